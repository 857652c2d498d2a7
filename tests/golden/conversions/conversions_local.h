// The application's types that conversions.acf names (represent_as, user_marshal).
#pragma once

#include <chrono>

using LocalTime = std::chrono::minutes;
struct Color {
  float red = 0, green = 0, blue = 0;
};
