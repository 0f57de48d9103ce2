#include "stripe/form.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

namespace outbound::stripe {
namespace {

TEST(StripeForm, EncodesEveryByteButTheUnreservedOnes) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b"), "a%20b");
  EXPECT_EQ(percent_encode("#&=[]+%?/"), "%23%26%3D%5B%5D%2B%25%3F%2F");
  EXPECT_EQ(percent_encode("\xC3\xA9\xF0\x9F\x98\x80"), "%C3%A9%F0%9F%98%80");
  EXPECT_EQ(percent_encode(std::string("a\0b", 3)), "a%00b");
}

TEST(StripeForm, NestsMapsListsAndBooleans) {
  Form form;
  form.add("amount", static_cast<std::int64_t>(2000))
      .add("currency", "usd")
      .add_map("metadata", {{"order_id", "6735"}, {"note", "a&b=c"}})
      .add_list("expand", {"customer", "invoice"})
      .add_bool("capture", false)
      .add("created[gte]", "1700000000");
  EXPECT_EQ(form.encoded(),
            "amount=2000&currency=usd&metadata[note]=a%26b%3Dc&metadata[order_id]=6735"
            "&expand[0]=customer&expand[1]=invoice&capture=false&created[gte]=1700000000");
}

TEST(StripeForm, EscapesReservedCharactersInsideKeys) {
  Form form;
  form.add_map("metadata", {{"k&=#", "v"}});
  EXPECT_EQ(form.encoded(), "metadata[k%26%3D%23]=v");
}

TEST(StripeForm, NestedNamesKeepTheirBracketsLiteral) {
  Form form;
  form.add("items[0][price]", "price_1").add("items[0][quantity]", static_cast<std::int64_t>(2));
  EXPECT_EQ(form.encoded(), "items[0][price]=price_1&items[0][quantity]=2");
  EXPECT_EQ(Form::nested("metadata", "a b"), "metadata[a%20b]");
}

TEST(StripeForm, EmptyFormHasNoText) {
  Form form;
  form.add_list("expand", {});
  EXPECT_TRUE(form.empty());
  EXPECT_EQ(form.encoded(), "");
}

TEST(StripeForm, SameInputGivesSameBytes) {
  const auto build = [] {
    Form form;
    form.add_map("metadata", {{"z", "1"}, {"a", "2"}, {"m", "3"}});
    return form.encoded();
  };
  EXPECT_EQ(build(), build());
  EXPECT_EQ(build(), "metadata[a]=2&metadata[m]=3&metadata[z]=1");
}

TEST(StripeMetadata, AcceptsWhatStripeStores) {
  EXPECT_TRUE(check_metadata({{"order", "42"}, {"note", "#&=[] \xC3\xA9"}}, false).ok());
  // 40 characters of two bytes each is still 40 characters.
  std::string key;
  for (int i = 0; i < 40; ++i) key += "\xC3\xA9";
  EXPECT_TRUE(check_metadata({{key, "v"}}, false).ok());
}

TEST(StripeMetadata, RejectsBracketsInKeys) {
  const Status status = check_metadata({{"a]b", "v"}}, false);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("'a]b' contains a square bracket"), std::string::npos)
      << status.message();
}

TEST(StripeMetadata, RejectsKeysAndValuesOverStripesLimits) {
  EXPECT_EQ(check_metadata({{std::string(41, 'k'), "v"}}, false).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(check_metadata({{"k", std::string(501, 'v')}}, false).code(),
            StatusCode::kInvalidArgument);
  std::map<std::string, std::string> many;
  for (int i = 0; i < 51; ++i) many["k" + std::to_string(i)] = "v";
  const Status status = check_metadata(many, false);
  EXPECT_NE(status.message().find("51 keys"), std::string::npos) << status.message();
  EXPECT_EQ(check_metadata({{"", "v"}}, false).code(), StatusCode::kInvalidArgument);
}

TEST(StripeMetadata, EmptyValuesOnlyInUpdates) {
  EXPECT_EQ(check_metadata({{"gone", ""}}, false).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(check_metadata({{"gone", ""}}, true).ok());
}

}  // namespace
}  // namespace outbound::stripe
