// The one place where generated C++ statements are written: whole fragments of code with $name$ holes, in
// the manner of protobuf's io::Printer::Emit, so each fragment reads like the code it produces.
//
//   p.emit({{"value", x}, {"body", [&] { emitBody(); }}}, R"gen(
//     if ($value$) {
//       $body$
//     }
//   )gen");
//
// A fragment's common indentation is removed. A hole alone on its line may be a callback: what it emits is
// indented to the hole's column. A hole alone on its line whose value is empty removes the line. Indentation
// comes from the fragments (and, around the printed lines, from the templates), never from counting braces.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace midlc::codegen {

class Printer {
 public:
  struct Var {
    Var(std::string_view name, std::string value) : name(name), value(std::move(value)) {}
    Var(std::string_view name, const char* value) : name(name), value(std::string(value)) {}
    Var(std::string_view name, std::function<void()> callback) : name(name), value(std::move(callback)) {}
    std::string_view name;
    std::variant<std::string, std::function<void()>> value;
  };

  void emit(std::initializer_list<Var> vars, std::string_view fragment);
  void emit(std::string_view fragment) { emit({}, fragment); }

  bool empty() const { return lines_.empty(); }
  // The printed lines, each with its indentation and without its newline; empty lines are empty.
  const std::vector<std::string>& lines() const { return lines_; }
  std::vector<std::string> take() { return std::move(lines_); }
  // The lines joined, each ending in a newline.
  std::string text() const;

 private:
  void emitLine(std::string_view line, std::initializer_list<Var> vars);
  const Var* find(std::initializer_list<Var> vars, std::string_view name) const;

  std::string indent_;
  std::vector<std::string> lines_;
};

}  // namespace midlc::codegen
