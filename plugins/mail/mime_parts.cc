#include "mail/mime_parts.h"

#include <openssl/evp.h>

#include <stdexcept>

#include "mail/body_encoding.h"
#include "mail/content_types.h"
#include "mail/encoded_words.h"
#include "mail/header_fields.h"

namespace outbound::mail {
namespace {

// Hex digits of the hash in a boundary: 96 bits, and 26 characters in all, well below the 70
// of RFC 2046 section 5.1.1.
constexpr std::size_t kBoundaryHexDigits = 24;

MimeEntity text_part(std::string_view text, const char* subtype) {
  const std::string normalized = normalize_line_endings(text);
  const TransferEncoding encoding = choose_text_encoding(normalized);
  MimeEntity part;
  part.fields.emplace_back("Content-Type", std::string("text/") + subtype + "; charset=utf-8");
  part.fields.emplace_back("Content-Transfer-Encoding", transfer_encoding_name(encoding));
  part.body = encode_text_body(normalized, encoding);
  return part;
}

std::string join_parameters(std::string value, const std::vector<std::string>& items) {
  for (const std::string& item : items) {
    value += "; ";
    value += item;
  }
  return value;
}

MimeEntity attachment_part(const MailAttachment& attachment) {
  const std::string type = attachment.content_type.empty() ? guess_content_type(attachment.filename)
                                                           : attachment.content_type;
  const bool inline_part = !attachment.content_id.empty();
  std::vector<std::string> name;
  std::vector<std::string> filename;
  if (!attachment.filename.empty()) {
    // The Content-Type "name" is for readers that predate Content-Disposition (RFC 2183).
    name = format_parameter("name", attachment.filename);
    filename = format_parameter("filename", attachment.filename);
  }
  MimeEntity part;
  part.fields.emplace_back("Content-Type", join_parameters(type, name));
  part.fields.emplace_back("Content-Transfer-Encoding", "base64");
  part.fields.emplace_back("Content-Disposition",
                           join_parameters(inline_part ? "inline" : "attachment", filename));
  if (inline_part) part.fields.emplace_back("Content-ID", "<" + attachment.content_id + ">");
  part.body = base64_lines(attachment.content);
  return part;
}

std::string serialize_entity(const MimeEntity& entity) {
  return serialize_fields(entity) + "\r\n" + entity.body;
}

// Returns a boundary that occurs in none of `children`.
std::string choose_boundary(std::string_view message_id, std::string_view subtype,
                            const std::vector<std::string>& children) {
  for (unsigned int counter = 0;; ++counter) {
    std::string seed(message_id);
    seed += '\0';
    seed += subtype;
    seed += '\0';
    seed += std::to_string(counter);
    const std::string boundary = "=_" + sha256_hex(seed).substr(0, kBoundaryHexDigits);
    const std::string delimiter = "--" + boundary;
    bool found = false;
    for (const std::string& child : children) {
      if (child.find(delimiter) != std::string::npos) {
        found = true;
        break;
      }
    }
    if (!found) return boundary;
  }
}

MimeEntity multipart(const char* subtype, const std::vector<MimeEntity>& children,
                     std::string_view message_id, const std::string& extra_parameter = {}) {
  std::vector<std::string> serialized;
  serialized.reserve(children.size());
  for (const MimeEntity& child : children) serialized.push_back(serialize_entity(child));
  const std::string boundary = choose_boundary(message_id, subtype, serialized);

  MimeEntity part;
  std::string type = std::string("multipart/") + subtype;
  if (!extra_parameter.empty()) type += "; " + extra_parameter;
  part.fields.emplace_back("Content-Type", type + "; boundary=\"" + boundary + "\"");
  // Each child's CRLF before the next delimiter belongs to the delimiter (RFC 2046 section
  // 5.1.1), so a body that ends with CRLF keeps it.
  for (const std::string& child : serialized) {
    part.body += "--" + boundary + "\r\n";
    part.body += child;
    part.body += "\r\n";
  }
  part.body += "--" + boundary + "--\r\n";
  return part;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    // Only a broken OpenSSL installation fails here; plugin entry points turn it into a Status.
    throw std::runtime_error("OpenSSL could not compute SHA-256");
  }
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0F];
  }
  return hex;
}

std::string serialize_fields(const MimeEntity& entity) {
  std::string fields;
  for (const auto& [name, value] : entity.fields)
    fields += fold_field(name, value, kFoldWidth, FieldSyntax::kStructured);
  return fields;
}

MimeEntity build_body(const MailMessage& message, std::string_view message_id) {
  const bool has_html = !message.html_body.empty();
  std::vector<MimeEntity> inline_parts;
  std::vector<MimeEntity> attachments;
  for (const MailAttachment& attachment : message.attachments) {
    const bool related = has_html && !attachment.content_id.empty();
    (related ? inline_parts : attachments).push_back(attachment_part(attachment));
  }

  std::vector<MimeEntity> body;  // Empty, or the one entity that carries the text.
  if (has_html) {
    MimeEntity html = text_part(message.html_body, "html");
    if (!inline_parts.empty()) {
      inline_parts.insert(inline_parts.begin(), std::move(html));
      html = multipart("related", inline_parts, message_id, "type=\"text/html\"");
    }
    if (!message.text_body.empty()) {
      const std::vector<MimeEntity> alternatives = {text_part(message.text_body, "plain"),
                                                    std::move(html)};
      body.push_back(multipart("alternative", alternatives, message_id));
    } else {
      body.push_back(std::move(html));
    }
  } else if (!message.text_body.empty() || attachments.empty()) {
    body.push_back(text_part(message.text_body, "plain"));
  }

  if (attachments.empty()) return std::move(body.front());
  attachments.insert(attachments.begin(), std::make_move_iterator(body.begin()),
                     std::make_move_iterator(body.end()));
  return multipart("mixed", attachments, message_id);
}

}  // namespace outbound::mail
