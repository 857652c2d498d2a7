// The type attributes that change how a type travels are bound into the model as typed fields, so no
// later stage reads attribute text: [v1_enum], [switch_type], transmit_as, wire_marshal, user_marshal and
// the ACF's represent_as.
#include <gtest/gtest.h>

#include "support/compile_text.h"

using midlc::testing::compileText;
namespace sema = midlc::sema;

namespace {

template <typename T>
const T* find(const sema::Model& m, const std::string& name, sema::Decl::Kind kind) {
  for (const auto& d : m.decls)
    if (d->name == name && d->kind == kind) return static_cast<const T*>(d.get());
  return nullptr;
}

}  // namespace

TEST(TypeAttributes, V1EnumOnTheTypedefOrTheTagMarksTheEnum) {
  auto c = compileText("typedef [v1_enum] enum A { A1 } A;\n[v1_enum] enum B { B1 };\nenum C { C1 };\n");
  ASSERT_TRUE(c.ok()) << c.diagnostics;
  EXPECT_TRUE(find<sema::EnumDecl>(*c.model, "A", sema::Decl::Kind::Enum)->v1Enum);
  EXPECT_TRUE(find<sema::EnumDecl>(*c.model, "B", sema::Decl::Kind::Enum)->v1Enum);
  EXPECT_FALSE(find<sema::EnumDecl>(*c.model, "C", sema::Decl::Kind::Enum)->v1Enum);
}

TEST(TypeAttributes, SwitchTypeOfANonEncapsulatedUnionIsItsDiscriminantType) {
  auto c = compileText(
      "typedef enum K { K1 } K;\n"
      "typedef [switch_type(unsigned short)] union U { [case(1)] long a; } U;\n"
      "typedef [switch_type(K)] union V { [case(K1)] long a; } V;\n");
  ASSERT_TRUE(c.ok()) << c.diagnostics;
  const auto* u = find<sema::UnionDecl>(*c.model, "U", sema::Decl::Kind::Union);
  ASSERT_TRUE(u->switchType);
  EXPECT_EQ(u->switchType->primitive, sema::Primitive::UInt16);
  const auto* v = find<sema::UnionDecl>(*c.model, "V", sema::Decl::Kind::Union);
  ASSERT_TRUE(v->switchType && v->switchType->kind == sema::Type::Kind::Named);
  EXPECT_EQ(v->switchType->decl->name, "K");
}

TEST(TypeAttributes, SwitchTypeMustBeAnIntegerAndOnlyForNonEncapsulatedUnions) {
  EXPECT_EQ(compileText("typedef [switch_type(double)] union U { [case(1)] long a; } U;\n").diagnostics,
            "test.idl:1:22: error: [switch_type] of union 'U' must be an integer or enum type\n");
  EXPECT_EQ(compileText("typedef [switch_type(long)] union U switch (short k) u { case 1: long a; } U;\n")
                .diagnostics,
            "test.idl:1:10: error: [switch_type] is for non-encapsulated unions; union 'U' names its "
            "discriminant's type in its switch\n");
}

TEST(TypeAttributes, ConversionsNameTheWireTypeAndTheApplicationsType) {
  auto c = compileText(
      "typedef struct W { long n; } W;\n"
      "typedef [transmit_as(W)] struct P1 { double d; } P1;\n"
      "typedef [wire_marshal(W)] void* P2;\n"
      "typedef [user_marshal(MyType)] W P3;\n"
      "typedef W P4;\n",
      "typedef [represent_as(LocalType)] P4;\n");
  ASSERT_TRUE(c.ok()) << c.diagnostics;
  auto typedefOf = [&](const char* name) {
    return find<sema::TypedefDecl>(*c.model, name, sema::Decl::Kind::Typedef);
  };
  EXPECT_EQ(typedefOf("P1")->conversion, sema::Conversion::TransmitAs);
  EXPECT_EQ(typedefOf("P1")->wireType->decl->name, "W");
  EXPECT_EQ(typedefOf("P2")->conversion, sema::Conversion::WireMarshal);
  EXPECT_EQ(typedefOf("P2")->wireType->decl->name, "W");
  EXPECT_EQ(typedefOf("P3")->conversion, sema::Conversion::UserMarshal);
  EXPECT_EQ(typedefOf("P3")->localTypeName, "MyType");
  EXPECT_EQ(typedefOf("P3")->wireType->decl->name, "W");
  EXPECT_EQ(typedefOf("P4")->conversion, sema::Conversion::RepresentAs);
  EXPECT_EQ(typedefOf("P4")->localTypeName, "LocalType");
}

TEST(TypeAttributes, OneConversionPerTypedef) {
  EXPECT_EQ(
      compileText("typedef struct W { long n; } W;\ntypedef [transmit_as(W), wire_marshal(W)] long T;\n")
          .diagnostics,
      "test.idl:2:26: error: typedef 'T' has more than one of transmit_as, wire_marshal, user_marshal "
      "and represent_as\n");
}
