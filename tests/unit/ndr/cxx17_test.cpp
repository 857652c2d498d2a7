// Runs the code compiled as C++17 in cxx17_check.cpp.
#include <gtest/gtest.h>

namespace midlrt::ndr::test {
int cxx17RoundTrip();
}

TEST(NdrHeaders, PublicHeadersCompileAndWorkAsCxx17) {
  EXPECT_EQ(midlrt::ndr::test::cxx17RoundTrip(), 11);
}
