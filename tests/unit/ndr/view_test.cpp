// Decoder::readView, ArrayView and StringView ([cpp_view]): elements and characters viewed in the message's
// bytes when they may be, a copy when the bytes are misaligned or the message is still arriving, and the same
// checks as readBulk and readString.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "midlrt/ndr/ndr.h"

namespace midlrt::ndr {
namespace {

struct Point {
  std::int32_t id;
  std::int32_t pad;
  double x;
};

std::vector<std::uint8_t> pointsMessage(std::uint32_t n) {
  Buffer b;
  Encoder e(b);
  e.write<std::uint32_t>(n);
  std::vector<Point> points(n);
  for (std::uint32_t i = 0; i < n; ++i) points[i] = Point{static_cast<std::int32_t>(i), 0, i * 0.5};
  e.writeBulk(points.data(), points.size(), 8);
  return std::vector<std::uint8_t>(b.data(), b.data() + b.size());
}

TEST(NdrView, AlignedElementsAreViewedInTheMessage) {
  const std::vector<std::uint8_t> bytes = pointsMessage(5);
  Decoder d(bytes.data(), bytes.size());
  ArrayView<Point> v;
  d.readView(v, d.read<std::uint32_t>(), 8);
  ASSERT_TRUE(v.viewsRequest());
  EXPECT_EQ(reinterpret_cast<const std::uint8_t*>(v.data()), bytes.data() + 8);  // after the count's padding
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v.span()[4].id, 4);
  EXPECT_EQ(v.span()[4].x, 2.0);
  EXPECT_EQ(d.remaining(), 0u);
}

TEST(NdrView, MisalignedElementsAreCopied) {
  const std::vector<std::uint8_t> message = pointsMessage(3);
  std::vector<std::uint8_t> shifted(message.size() + 1);
  std::memcpy(shifted.data() + 1, message.data(),
              message.size());  // NDR offsets from data + 1: odd in memory
  Decoder d(shifted.data() + 1, message.size());
  ArrayView<Point> v;
  d.readView(v, d.read<std::uint32_t>(), 8);
  EXPECT_FALSE(v.viewsRequest());
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v.span()[2].id, 2);
  EXPECT_EQ(v.span()[2].x, 1.0);
}

TEST(NdrView, ACountBeyondTheMessageIsRefusedBeforeAnythingIsViewed) {
  const std::vector<std::uint8_t> bytes = pointsMessage(2);
  Decoder d(bytes.data(), bytes.size());
  ArrayView<Point> v;
  d.read<std::uint32_t>();
  EXPECT_THROW(d.readView(v, 3, 8), DecodeError);
  EXPECT_EQ(v.size(), 0u);
  Decoder huge(bytes.data(), bytes.size());
  huge.read<std::uint32_t>();
  EXPECT_THROW(huge.readView(v, 0xffffffffu, 8), DecodeError);
}

// A message that arrives in pieces: its window moves on, so a view would not stay valid.
class Pieces final : public DecoderSource {
 public:
  explicit Pieces(std::vector<std::uint8_t> all) : all_(std::move(all)) {}
  Window next(std::size_t consumed, std::size_t need) override {
    start_ += consumed;
    window_.assign(all_.begin() + static_cast<std::ptrdiff_t>(start_),
                   all_.begin() + static_cast<std::ptrdiff_t>(std::min(all_.size(), start_ + need)));
    return {window_.data(), window_.size()};
  }

 private:
  std::vector<std::uint8_t> all_, window_;
  std::size_t start_ = 0;
};

TEST(NdrView, AMessageStillArrivingIsCopied) {
  const std::vector<std::uint8_t> bytes = pointsMessage(4);
  Pieces source(bytes);
  Decoder d(bytes.data(), 4);
  d.setSource(&source);
  ArrayView<Point> v;
  d.readView(v, d.read<std::uint32_t>(), 8);
  EXPECT_FALSE(v.viewsRequest());
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v.span()[3].x, 1.5);
}

TEST(NdrView, OwnedElementsAreWhatTheSpanShows) {
  ArrayView<std::int32_t> v;
  EXPECT_TRUE(v.empty());
  v.owned() = {1, 2, 3};
  std::span<const std::int32_t> s = v;
  EXPECT_FALSE(v.viewsRequest());
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[2], 3);
}

std::vector<std::uint8_t> stringsMessage(std::string_view narrow, std::u16string_view wide) {
  Buffer b;
  Encoder e(b);
  e.writeString(narrow);
  e.writeWString(wide);
  return std::vector<std::uint8_t>(b.data(), b.data() + b.size());
}

TEST(NdrView, StringsAreViewedInTheMessageWithoutTheirTerminator) {
  const std::vector<std::uint8_t> bytes = stringsMessage("abc", u"wide text");
  Decoder d(bytes.data(), bytes.size());
  StringView<char> narrow;
  StringView<char16_t> wide;
  d.readView(narrow);
  d.readView(wide);
  ASSERT_TRUE(narrow.viewsRequest());
  ASSERT_TRUE(wide.viewsRequest());
  EXPECT_EQ(narrow.text(), "abc");
  EXPECT_EQ(reinterpret_cast<const std::uint8_t*>(narrow.text().data()), bytes.data() + 12);
  EXPECT_EQ(wide.text(), u"wide text");
  EXPECT_EQ(d.remaining(), 0u);
  // The empty string is one NUL on the wire, and an empty view.
  const std::vector<std::uint8_t> empty = stringsMessage("", u"");
  Decoder e(empty.data(), empty.size());
  e.readView(narrow);
  e.readView(wide);
  EXPECT_TRUE(narrow.text().empty());
  EXPECT_TRUE(wide.text().empty());
}

TEST(NdrView, MisalignedWideCharactersAreCopied) {
  const std::vector<std::uint8_t> message = stringsMessage("x", u"copied");
  std::vector<std::uint8_t> shifted(message.size() + 1);
  std::memcpy(shifted.data() + 1, message.data(), message.size());
  Decoder d(shifted.data() + 1, message.size());
  StringView<char> narrow;
  StringView<char16_t> wide;
  d.readView(narrow);
  d.readView(wide);
  EXPECT_TRUE(narrow.viewsRequest());  // one byte per character: never misaligned
  EXPECT_FALSE(wide.viewsRequest());
  EXPECT_EQ(wide.text(), u"copied");
}

TEST(NdrView, AStringStillArrivingIsCopied) {
  const std::vector<std::uint8_t> bytes = stringsMessage("arriving", u"");
  Pieces source(bytes);
  Decoder d(bytes.data(), 4);
  d.setSource(&source);
  StringView<char> v;
  d.readView(v);
  EXPECT_FALSE(v.viewsRequest());
  EXPECT_EQ(v.text(), "arriving");
}

TEST(NdrView, StringsAreCheckedAsReadStringChecksThem) {
  // max_count, offset, actual_count, then the characters.
  auto message = [](std::uint32_t max, std::uint32_t offset, std::uint32_t actual, std::string chars) {
    std::vector<std::uint8_t> m(12);
    std::memcpy(m.data(), &max, 4);
    std::memcpy(m.data() + 4, &offset, 4);
    std::memcpy(m.data() + 8, &actual, 4);
    m.insert(m.end(), chars.begin(), chars.end());
    return m;
  };
  const std::vector<std::vector<std::uint8_t>> bad = {
      message(3, 0, 3, std::string("ab")),         // shorter than actual_count
      message(3, 0, 3, std::string("abc")),        // no terminator
      message(4, 0, 4, std::string("a\0b\0", 4)),  // a NUL inside
      message(3, 1, 2, std::string("a\0", 2)),     // an offset
      message(2, 0, 3, std::string("ab\0", 3)),    // actual_count over max_count
      message(1, 0, 0, std::string()),             // no characters at all
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    Decoder d(bad[i].data(), bad[i].size());
    StringView<char> v;
    EXPECT_THROW(d.readView(v), DecodeError) << i;
    EXPECT_TRUE(v.text().empty()) << i;
  }
}

TEST(NdrView, OwnedCharactersAreWhatTheTextShows) {
  StringView<char16_t> v;
  EXPECT_TRUE(v.text().empty());
  v.owned() = u"held";
  std::u16string_view s = v;
  EXPECT_FALSE(v.viewsRequest());
  EXPECT_EQ(s, u"held");
}

}  // namespace
}  // namespace midlrt::ndr
