// midlc's Mustache engine (src/codegen/mustache.h): each kind of tag, the lookup of names through sections,
// the errors, and random templates rendered by it and by kainjow's renderer over the same data, which must
// agree (kainjow's removal of whitespace-only lines kept out of it, as render.cpp did when it rendered with
// kainjow: those lines are render.h's business, before the engine).
#include "codegen/mustache.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>

namespace {

using midlc::codegen::MustacheTemplate;
using Data = kainjow::mustache::data;

std::string render(const std::string& text, const Data& view) {
  std::string error;
  auto t = MustacheTemplate::parse(text, error);
  if (!t) return "error: " + error;
  std::string out;
  t->render(view, out);
  return out;
}

std::string errorOf(const std::string& text) {
  std::string error;
  return MustacheTemplate::parse(text, error) ? "" : error;
}

Data view() {
  Data d;
  d["name"] = "F";
  d["yes"] = Data{Data::type::bool_true};
  d["no"] = Data{Data::type::bool_false};
  Data items{Data::type::list};
  for (const char* n : {"a", "b"}) {
    Data item;
    item["name"] = n;
    items.push_back(item);
  }
  d["items"] = std::move(items);
  Data words{Data::type::list};
  words.push_back(Data("x"));
  words.push_back(Data("y"));
  d["words"] = std::move(words);
  d["none"] = Data{Data::type::list};
  Data inner;
  inner["type"] = "int32_t";
  d["inner"] = std::move(inner);
  return d;
}

// Lines without the whitespace at their ends, as render.cpp leaves every rendered line.
std::string withoutTrailingBlanks(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n')
      while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
    out += c;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return out;
}

}  // namespace

TEST(Mustache, VariablesRenderStringsUnescapedAndNothingElse) {
  const Data v = view();
  EXPECT_EQ(render("<{{name}}|{{{name}}}|{{& name }}>", v), "<F|F|F>");
  EXPECT_EQ(render("<{{missing}}{{yes}}{{items}}{{inner}}>", v), "<>");
  Data special;
  special["code"] = "a < b && \"c\"";
  EXPECT_EQ(render("{{code}}", special), "a < b && \"c\"");
  EXPECT_EQ(render("{{inner.type}} {{inner.missing}}", v), "int32_t ");
}

TEST(Mustache, SectionsIterateListsAndTakeTrueValuesOnce) {
  const Data v = view();
  EXPECT_EQ(render("{{#items}}[{{name}}]{{/items}}", v), "[a][b]");
  EXPECT_EQ(render("{{#words}}{{.}},{{/words}}", v), "x,y,");
  EXPECT_EQ(render("{{#yes}}{{name}}{{/yes}}{{#no}}N{{/no}}{{#none}}N{{/none}}{{#missing}}N{{/missing}}", v),
            "F");
  EXPECT_EQ(render("{{#inner}}{{type}} {{name}}{{/inner}}", v), "int32_t F");  // outer names stay visible
  EXPECT_EQ(render("{{#name}}<{{.}}>{{/name}}", v), "<F>");                    // a string is an item too
  EXPECT_EQ(render("{{#items}}{{#words}}{{name}}{{.}} {{/words}}{{/items}}", v), "ax ay bx by ");
}

TEST(Mustache, InvertedSectionsRenderForFalseEmptyAndMissing) {
  const Data v = view();
  EXPECT_EQ(render("{{^no}}1{{/no}}{{^none}}2{{/none}}{{^missing}}3{{/missing}}{{^yes}}4{{/yes}}"
                   "{{^items}}5{{/items}}{{^name}}6{{/name}}",
                   v),
            "123");
  // The current item stays the enclosing section's (kainjow would make it the false value).
  EXPECT_EQ(render("{{#words}}{{^no}}{{.}}{{/no}}{{/words}}", v), "xy");
}

TEST(Mustache, CommentsAndPartialTagsRenderNothing) {
  EXPECT_EQ(render("a{{! a note }}b{{>rpc/x}}c", view()), "abc");
}

TEST(Mustache, ErrorsSayWhatAndWhere) {
  EXPECT_EQ(errorOf("a\n{{#s}}\nb"), "line 2: section 's' is not closed");
  EXPECT_EQ(errorOf("a\nb {{name"), "line 2: a tag is not closed");
  EXPECT_EQ(errorOf("{{{name}}"), "line 1: a tag is not closed");
  EXPECT_EQ(errorOf("\n\n{{/s}}"), "line 3: {{/s}} closes no section");
  EXPECT_EQ(errorOf("{{#a.b}}\n{{/a}}"), "line 2: {{/a}} closes section 'a.b'");
  EXPECT_EQ(errorOf("{{=<% %>=}}"), "line 1: changing the delimiters ({{=...=}}) is not supported");
  EXPECT_EQ(errorOf("{{#a}}{{#b}}{{/b}}{{/a}}"), "");
  // Rendering recurses once per level: a template nesting sections without end is refused, not a crash.
  std::string deep, deepest;
  for (int i = 0; i < 200; ++i) deep += "{{#s}}";
  for (int i = 0; i < 200; ++i) deep += "{{/s}}";
  EXPECT_EQ(errorOf(deep), "");
  for (int i = 0; i < 100000; ++i) deepest += "{{#s}}\n";
  EXPECT_EQ(errorOf(deepest), "line 201: sections nest more than 200 deep");
}

// Random templates over the view's names, rendered by both engines. kainjow drops a line that holds a section
// tag and renders to whitespace only; a mark before each newline keeps every line, as render.cpp did when it
// rendered with kainjow, and the two are compared as render.cpp leaves them, without trailing blanks.
TEST(Mustache, RandomTemplatesRenderAsKainjowRendersThem) {
  const Data v = view();
  const std::vector<std::string> names = {"name",  "yes",     "no", "items",      "words", "none",
                                          "inner", "missing", ".",  "inner.type", "type"};
  const std::vector<std::string> texts = {"a", " ", "\n", "x y", "\n  ", ";"};
  std::mt19937 random(17);
  auto pick = [&](const std::vector<std::string>& from) { return from[random() % from.size()]; };
  // kainjow also differs from the specification where an inverted section's value exists (false, an empty
  // list): it makes that value the current item, so {{.}} inside renders nothing; midlc's engine keeps the
  // item as the specification says. No template writes {{.}} inside an inverted section of another item.
  std::function<std::string(int, bool)> generate = [&](int depth, bool inverted) {
    auto variable = [&] {
      const std::string name = pick(names);
      return inverted && name == "." ? std::string("name") : name;
    };
    std::string out;
    const int parts = static_cast<int>(random() % 5);
    for (int i = 0; i < parts; ++i) {
      switch (random() % 6) {
        case 0:
        case 1:
          out += pick(texts);
          break;
        case 2:
          out += "{{" + variable() + "}}";
          break;
        case 3:
          out += "{{{" + variable() + "}}}";
          break;
        default:
          if (depth < 3) {
            std::string name = pick(names);
            if (name == ".") name = "words";  // kainjow's {{#.}} differs; no template opens one
            const bool invert = random() % 3 == 0;
            out += "{{" + std::string(invert ? "^" : "#") + name + "}}" +
                   generate(depth + 1, inverted || invert) + "{{/" + name + "}}";
          }
      }
    }
    return out;
  };
  for (int n = 0; n < 3000; ++n) {
    const std::string text = generate(0, false);
    std::string marked;
    for (char c : text) {
      if (c == '\n') marked += '\x01';
      marked += c;
    }
    kainjow::mustache::mustache theirs{marked};
    ASSERT_TRUE(theirs.is_valid()) << text;
    theirs.set_custom_escape([](const std::string& s) { return s; });
    std::string expected;
    for (char c : theirs.render(v))
      if (c != '\x01') expected += c;
    EXPECT_EQ(withoutTrailingBlanks(render(text, v)), withoutTrailingBlanks(expected))
        << "template: " << text;
  }
}
