#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace outbound::smtp {

/// Reply is one SMTP reply (RFC 5321 section 4.2): a three-digit code and one or more lines.
struct Reply {
  int code = 0;
  /// The enhanced status code of RFC 3463 ("5.1.1") when the first line starts with one whose
  /// class matches the reply code; empty otherwise.
  std::string enhanced_code;
  /// The text of each line without the code, the separator and the enhanced status code.
  std::vector<std::string> lines;

  bool positive() const { return code >= 200 && code < 300; }
  bool intermediate() const { return code >= 300 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }

  /// Returns the lines joined with "; ", for messages and receipts.
  std::string text() const;

  /// Returns the first line as the server sent it: "550 5.1.1 No such user".
  std::string summary() const;
};

/// ReplyParser assembles replies from bytes as they arrive, in pieces of any size down to
/// single bytes. It accepts lines ended by CRLF, and also by a bare LF, which some servers
/// send. A line without a three-digit code from 200 to 559 is a protocol error. So is a
/// continuation line whose code differs from the first line's. A line over kMaxLineOctets and
/// a reply of more than kMaxLines lines are errors too, so that a hostile server cannot make
/// the client buffer without limit.
///
/// Not thread-safe.
class ReplyParser {
 public:
  /// RFC 5321 section 4.5.3.1.5 limits a reply line to 512 octets. Servers exceed it with long
  /// EHLO lists and texts, so eight times that is accepted.
  static constexpr std::size_t kMaxLineOctets = 4096;
  /// The maximum number of lines in one reply. EHLO replies of common servers have 10 to 20.
  static constexpr std::size_t kMaxLines = 200;

  enum class State {
    /// The bytes so far end inside a reply, or no reply has started.
    kNeedMore,
    /// A reply is complete; take() returns it.
    kComplete,
    /// The bytes are not a valid reply, and error() returns why. The parser stays in this
    /// state.
    kError,
  };

  /// Step is the outcome of one feed(): the state and how many bytes of the input were used.
  /// On kComplete, the bytes after the reply are not consumed and belong to what follows.
  struct Step {
    State state;
    std::size_t consumed;
  };

  /// Consumes bytes of `input` until a reply is complete, an error is found, or the input ends.
  Step feed(std::string_view input);

  /// Returns the complete reply and makes the parser ready for the next one.
  Reply take();

  /// Whether part of a reply has been received: a partial line, or lines of a multi-line reply.
  /// End of stream in this state means the server closed in the middle of a reply.
  bool in_progress() const { return !line_.empty() || !reply_.lines.empty(); }

  const std::string& error() const { return error_; }

  /// Forgets every byte received, so the parser is as new.
  void reset();

 private:
  /// Parses one complete line (without its line ending); returns false on a protocol error.
  bool parse_line(std::string_view line);
  bool fail(std::string message);

  State state_ = State::kNeedMore;
  std::string line_;
  Reply reply_;
  bool complete_ = false;
  std::string error_;
};

}  // namespace outbound::smtp
