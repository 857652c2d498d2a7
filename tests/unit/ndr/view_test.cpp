// Decoder::readView and ArrayView ([cpp_view]): elements viewed in the message's bytes when they may be, a
// copy when the bytes are misaligned or the message is still arriving, and the same checks as readBulk.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
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

}  // namespace
}  // namespace midlrt::ndr
