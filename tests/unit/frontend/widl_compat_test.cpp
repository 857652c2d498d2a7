// What widl accepts in Wine's system IDL files and midlc must accept too: one test per rule, each failing
// without it, and each checking what the model made of the construct.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "sema/analyze.h"
#include "support/compile_text.h"
#include "support/model_queries.h"

using midlc::testing::compileText;
using midlc::testing::findConst;
using midlc::testing::findInterface;
using midlc::testing::findOp;
namespace sema = midlc::sema;

namespace {

const sema::Param& param(const sema::Model& m, const std::string& itf, const std::string& op, size_t i) {
  return findOp(findInterface(m, itf), op)->params.at(i);
}

// Compiles main.idl beside other files (name, text), as compileText does for one file.
midlc::testing::Compiled compileFiles(const std::vector<std::pair<std::string, std::string>>& files) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("midlc-widl-compat-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& [name, text] : files) std::ofstream(dir / name) << text;
  midlc::driver::Options options;
  options.input = (dir / "main.idl").string();
  midlc::FileCache cache;
  midlc::Diagnostics diagnostics(&cache);
  midlc::testing::Compiled out;
  out.model = midlc::driver::compile(options, cache, diagnostics);
  out.diagnostics = diagnostics.summary();
  if (diagnostics.hasErrors()) out.model.reset();
  fs::remove_all(dir);
  return out;
}

#define EXPECT_COMPILES(result) ASSERT_TRUE((result).ok()) << (result).diagnostics

}  // namespace

TEST(WidlCompat, StringReachesTheCharactersThroughPointerTypedefs) {
  auto r = compileText(R"(
typedef [string] wchar_t *LPWSTR;
typedef wchar_t *PLAINWSTR;
typedef LPWSTR BSTRISH;
[uuid(11111111-2222-3333-4444-555555555555)] interface I {
  void F([out, string] LPWSTR *a, [out, string] PLAINWSTR *b, [in, string] BSTRISH c);
}
)");
  EXPECT_COMPILES(r);
  // a: LPWSTR's own pointer is already the string.
  const sema::Type* a = param(*r.model, "I", "F", 0).type;
  EXPECT_FALSE(a->isString);
  // b: the typedef's pointer had no [string]; this use gets its own copy that is one.
  const sema::Type* b = param(*r.model, "I", "F", 1).type;
  ASSERT_EQ(b->kind, sema::Type::Kind::Pointer);
  EXPECT_FALSE(b->isString);
  ASSERT_EQ(b->element->kind, sema::Type::Kind::Pointer);
  EXPECT_TRUE(b->element->isString);
}

TEST(WidlCompat, StringOnPointersToNonCharactersIsStillAnError) {
  auto r = compileText(R"(
typedef long *PLONG;
[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([out, string] PLONG *p); }
)");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("[string] applies to char, wchar_t or byte data"), std::string::npos)
      << r.diagnostics;
}

TEST(WidlCompat, FunctionPrototypesOutsideInterfacesAreAccepted) {
  auto r = compileText(R"(
typedef long HRESULT;
[local] HRESULT __stdcall CreateThing(long kind, void **thing);
[local] float __stdcall Scale(float x);
void __stdcall NoAttributes(void);
)");
  EXPECT_COMPILES(r);
  // Their types are still resolved.
  auto bad = compileText("[local] NOPE __stdcall F(void);\n");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.diagnostics.find("unknown type 'NOPE'"), std::string::npos) << bad.diagnostics;
}

TEST(WidlCompat, PointerAttributeOnAnArrayParameterMakesItThatPointer) {
  auto r = compileText(R"(
[uuid(11111111-2222-3333-4444-555555555555)] interface I {
  void F([in] long n, [in, unique, size_is(n)] long ids[]);
}
)");
  EXPECT_COMPILES(r);
  const sema::Type* t = param(*r.model, "I", "F", 1).type;
  ASSERT_EQ(t->kind, sema::Type::Kind::Pointer);
  EXPECT_EQ(t->pointerKind, sema::PointerKind::Unique);
  EXPECT_TRUE(t->pointerKindExplicit);
  ASSERT_NE(t->sizing.sizeIs, nullptr);
  EXPECT_EQ(t->sizing.sizeIs->name, "n");
}

TEST(WidlCompat, UnsizedArraysAreCheckedOnlyWhereMarshaled) {
  auto local = compileText(R"(
[local, uuid(11111111-2222-3333-4444-555555555555)] interface L { void F([in] long n, [in] char data[]); }
[uuid(21111111-2222-3333-4444-555555555555)] interface M { [local] void G([in] char data[]); }
)");
  EXPECT_COMPILES(local);
  auto remote =
      compileText("[uuid(11111111-2222-3333-4444-555555555555)] interface R { void F([in] char data[]); }\n");
  EXPECT_FALSE(remote.ok());
  EXPECT_NE(remote.diagnostics.find("array parameter 'data' has no size"), std::string::npos)
      << remote.diagnostics;
}

TEST(WidlCompat, TypedefMayRedefineATypeOfAnImportedFile) {
  auto r = compileText(R"(
import "unknwn.idl";
typedef struct { long lo, hi; } DWORD;
struct Holder { DWORD d; };
)");
  EXPECT_COMPILES(r);
  const auto* s = static_cast<const sema::StructDecl*>(r.model->tags.at("Holder"));
  const sema::Type* d = s->fields[0].type;
  ASSERT_EQ(d->decl->kind, sema::Decl::Kind::Typedef);
  d = static_cast<const sema::TypedefDecl*>(d->decl)->type;
  ASSERT_EQ(d->kind, sema::Type::Kind::Named);
  EXPECT_EQ(d->decl->kind, sema::Decl::Kind::Struct);  // the later definition stands
  // Within one file it is still a redefinition.
  auto twice = compileText("typedef long A;\ntypedef short A;\n");
  EXPECT_FALSE(twice.ok());
  EXPECT_NE(twice.diagnostics.find("redefinition of 'A'"), std::string::npos) << twice.diagnostics;
}

TEST(WidlCompat, LibraryNameYieldsToACoclassOfTheSameName) {
  auto r = compileText(R"(
import "unknwn.idl";
[object, uuid(11111111-2222-3333-4444-555555555555)] interface IMgr : IUnknown { HRESULT F(); }
[uuid(21111111-2222-3333-4444-555555555555), version(1.0)]
library Mgr {
  [uuid(31111111-2222-3333-4444-555555555555)] coclass Mgr { [default] interface IMgr; }
}
)");
  EXPECT_COMPILES(r);
  EXPECT_EQ(r.model->find("Mgr")->kind, sema::Decl::Kind::Coclass);
}

TEST(WidlCompat, CoclassMemberDeclaresAnInterfaceNotYetSeen) {
  auto r = compileText(R"(
[uuid(21111111-2222-3333-4444-555555555555)] coclass Later { interface ILater; }
)");
  EXPECT_COMPILES(r);
  const sema::Decl* d = r.model->find("ILater");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->kind, sema::Decl::Kind::Interface);
  EXPECT_TRUE(d->isForward);
  auto notItf = compileText(
      "typedef long T;\n[uuid(21111111-2222-3333-4444-555555555555)] coclass C { interface T; }\n");
  EXPECT_FALSE(notItf.ok());
}

TEST(WidlCompat, BaseInterfaceMayBeDefinedAfterItsDerivedOne) {
  auto r = compileText(R"(
import "unknwn.idl";
interface IReader;
[object, local, uuid(11111111-2222-3333-4444-555555555555)] interface IFilter : IReader { HRESULT Filter(); }
[object, local, uuid(21111111-2222-3333-4444-555555555555)] interface IReader : IUnknown {
  HRESULT Read(); HRESULT Close();
}
)");
  EXPECT_COMPILES(r);
  const sema::InterfaceDecl* f = findInterface(*r.model, "IFilter");
  ASSERT_NE(f->base, nullptr);
  EXPECT_EQ(f->base->name, "IReader");
  EXPECT_EQ(f->firstOpnum, 5u);  // IUnknown's three, then IReader's two
  EXPECT_EQ(findOp(f, "Filter")->opnum, 5u);
  auto never = compileText(R"(
import "unknwn.idl";
interface IReader;
[object, local, uuid(11111111-2222-3333-4444-555555555555)] interface IFilter : IReader { HRESULT Filter(); }
)");
  EXPECT_FALSE(never.ok());
  EXPECT_NE(never.diagnostics.find("base interface 'IReader' is declared but never defined"),
            std::string::npos)
      << never.diagnostics;
}

TEST(WidlCompat, LocalObjectInterfacesNeedNoUuidNorBase) {
  auto r = compileText(R"(
[object, local] interface ICallback { long Done(long code); }
)");
  EXPECT_COMPILES(r);
  EXPECT_EQ(r.diagnostics, "");
}

TEST(WidlCompat, IdOnALibraryIsAccepted) {
  auto r = compileText(
      "[id(2), uuid(11111111-2222-3333-4444-555555555555), version(1.0)] library L { importlib(\"x.tlb\"); "
      "}\n");
  EXPECT_COMPILES(r);
}

TEST(WidlCompat, EmptyAttributePositionsAreAllowed) {
  auto r = compileText(R"(
[
    ,
    uuid(11111111-2222-3333-4444-555555555555),,
] interface I { void F([in,] long a); }
)");
  EXPECT_COMPILES(r);
  EXPECT_TRUE(findInterface(*r.model, "I")->uuid.has_value());
}

TEST(WidlCompat, ParametersMayBeUnnamedPointers) {
  auto r = compileText(R"(
typedef void (__stdcall *CALLBACK_FN)(void *, void *);
[local, uuid(11111111-2222-3333-4444-555555555555)] interface I { long F([out] long *, [in] char **); }
)");
  EXPECT_COMPILES(r);
  const sema::Type* t = param(*r.model, "I", "F", 1).type;
  ASSERT_EQ(t->kind, sema::Type::Kind::Pointer);
  EXPECT_EQ(t->element->kind, sema::Type::Kind::Pointer);
}

TEST(WidlCompat, SafearrayOfATypeIsAnLpsafearray) {
  auto r = compileText(R"(
typedef struct tagSAFEARRAY { unsigned short cDims; } SAFEARRAY;
typedef [wire_marshal(long)] SAFEARRAY *LPSAFEARRAY;
typedef long VARIANT;
[local, uuid(11111111-2222-3333-4444-555555555555)] interface I {
  void F([in] SAFEARRAY(VARIANT) a, [out] SAFEARRAY(long *) *b);
}
)");
  EXPECT_COMPILES(r);
  const sema::Type* a = param(*r.model, "I", "F", 0).type;
  ASSERT_EQ(a->kind, sema::Type::Kind::Named);
  EXPECT_EQ(a->decl->name, "LPSAFEARRAY");
  ASSERT_NE(a->safearrayElement, nullptr);
  EXPECT_EQ(a->safearrayElement->decl->name, "VARIANT");
  const sema::Type* b = param(*r.model, "I", "F", 1).type;
  ASSERT_EQ(b->kind, sema::Type::Kind::Pointer);
  ASSERT_NE(b->element->safearrayElement, nullptr);
  EXPECT_EQ(b->element->safearrayElement->kind, sema::Type::Kind::Pointer);
}

TEST(WidlCompat, ParenthesizedTypeNameBeforeAUnaryOperatorIsACast) {
  auto r = compileText(R"(
typedef unsigned long ULONG;
typedef void *HBODY;
const ULONG ALL = (ULONG)-1;
const long N = 3;
const long M = (N) - 1;
[uuid(11111111-2222-3333-4444-555555555555)] interface I {
  void F([in] ULONG *pn, [out, size_is(, (ULONG)*pn)] long **items);
  void G([in] long ULONG, [in, size_is((ULONG) * 2)] long *items);
}
)");
  EXPECT_COMPILES(r);
  auto value = [&](const char* name) {
    return static_cast<const sema::ConstDecl*>(r.model->find(name))->value.integer;
  };
  EXPECT_EQ(value("ALL"), 0xFFFFFFFFll);
  EXPECT_EQ(value("M"), 2);  // a constant in parentheses is not a type: still a subtraction
  const sema::Type* items = param(*r.model, "I", "F", 1).type;
  const sema::Expr* size = items->element->sizing.sizeIs;
  ASSERT_NE(size, nullptr);
  EXPECT_EQ(size->kind, sema::Expr::Kind::Cast);
  EXPECT_EQ(size->operands[0]->kind, sema::Expr::Kind::Unary);
  EXPECT_EQ(size->operands[0]->operands[0]->param->name, "pn");
  // A parameter named like a type hides it: (ULONG) * 2 is a product there.
  const sema::Expr* product = param(*r.model, "I", "G", 1).type->sizing.sizeIs;
  ASSERT_NE(product, nullptr);
  EXPECT_EQ(product->kind, sema::Expr::Kind::Binary);
}

TEST(WidlCompat, OutByValueAndUnknownSizesAreCheckedOnlyWhereMarshaled) {
  // widl checks remoting (check_remoting_args) only for methods of non-local interfaces outside a library.
  auto r = compileText(R"(
typedef long HRESULT;
[local, uuid(11111111-2222-3333-4444-555555555555)] interface L {
  HRESULT F([out] long byValue, [out, size_is(MAX_URL_MACRO)] char *name);
}
[uuid(21111111-2222-3333-4444-555555555555), version(1.0)]
library Lib {
  [object, uuid(31111111-2222-3333-4444-555555555555)] interface IInLib { HRESULT G([out] long byValue); }
}
)");
  EXPECT_COMPILES(r);
  EXPECT_TRUE(findInterface(*r.model, "IInLib")->insideLibrary);
  EXPECT_FALSE(findInterface(*r.model, "L")->insideLibrary);
  auto remote = compileText(R"(
[uuid(11111111-2222-3333-4444-555555555555)] interface R {
  void F([out] long byValue, [out, size_is(MAX_URL_MACRO)] char *name);
}
)");
  EXPECT_FALSE(remote.ok());
  EXPECT_NE(remote.diagnostics.find("[out] parameter 'byValue' must be a pointer or an array"),
            std::string::npos)
      << remote.diagnostics;
  EXPECT_NE(remote.diagnostics.find("unknown identifier 'MAX_URL_MACRO'"), std::string::npos)
      << remote.diagnostics;
}

TEST(WidlCompat, CoclassMemberDeclaresADispinterfaceDefinedLater) {
  auto r = compileText(R"(
[uuid(21111111-2222-3333-4444-555555555555)] coclass Node { [default] dispinterface DispNode; }
[uuid(31111111-2222-3333-4444-555555555555)] dispinterface DispNode { properties: methods: }
)");
  EXPECT_COMPILES(r);
  EXPECT_EQ(r.model->find("DispNode")->kind, sema::Decl::Kind::Dispinterface);
  EXPECT_FALSE(r.model->find("DispNode")->isForward);
}

TEST(WidlCompat, AnImportIsReadWhereItStandsAndSeesWhatCameBefore) {
  // videoacc.idl defines DDSCAPS2 (under cpp_quote("#if 0")), then imports amva.h, which uses it.
  auto r = compileFiles({{"main.idl",
                          "typedef struct { long caps; } CAPS;\nimport \"uses.h\";\n"
                          "typedef USER MAIN_USER;\n"},
                         {"uses.h", "typedef struct { CAPS caps; } USER;\n"}});
  EXPECT_COMPILES(r);
  ASSERT_EQ(r.model->files.size(), 2u);  // imports first, the main file last
  EXPECT_TRUE(r.model->files[1].isMain);
  const sema::Decl* user = r.model->find("USER");
  ASSERT_NE(user, nullptr);
  EXPECT_TRUE(user->imported);
}

TEST(WidlCompat, WinrtNamespacesContractsAndDelegates) {
  auto r = compileText(R"(
import "unknwn.idl";
namespace Windows {
  namespace Foundation {
    [contractversion(4)] apicontract FoundationContract {};
    [contract(Windows.Foundation.FoundationContract, 1.0), uuid(11111111-2222-3333-4444-555555555555)]
    delegate HRESULT DeferralHandler([in] long code);
    [object, uuid(21111111-2222-3333-4444-555555555555)]
    interface IClosable : IUnknown { HRESULT Close(); }
  }
}
namespace Windows.Storage {
  [object, local, uuid(31111111-2222-3333-4444-555555555555)]
  interface IStream : Windows.Foundation.IClosable {
    HRESULT OnDone([in] Windows.Foundation.DeferralHandler *handler);
  }
}
)");
  EXPECT_COMPILES(r);
  const sema::InterfaceDecl* handler = findInterface(*r.model, "DeferralHandler");
  ASSERT_NE(handler, nullptr);
  EXPECT_EQ(handler->winrtNamespace, "Windows.Foundation");
  EXPECT_TRUE(handler->isObject);
  ASSERT_NE(handler->base, nullptr);
  EXPECT_EQ(handler->base->name, "IUnknown");
  ASSERT_EQ(handler->operations.size(), 1u);
  EXPECT_EQ(handler->operations[0].name, "Invoke");
  EXPECT_EQ(handler->operations[0].opnum, 3u);
  const sema::InterfaceDecl* stream = findInterface(*r.model, "IStream");
  EXPECT_EQ(stream->winrtNamespace, "Windows.Storage");
  ASSERT_NE(stream->base, nullptr);
  EXPECT_EQ(stream->base->name, "IClosable");
  EXPECT_EQ(stream->firstOpnum, 4u);
  EXPECT_EQ(r.model->find("FoundationContract"), nullptr);  // nothing of a contract reaches C
}

TEST(WidlCompat, WinrtParameterizedInterfacesAreDeclaredNotRead) {
  // widl writes nothing for a parameterized interface or delegate until it is instantiated.
  auto r = compileText(R"(
import "unknwn.idl";
namespace Windows.Foundation.Collections {
  interface IIterator<T>;
  [uuid(11111111-2222-3333-4444-555555555555)]
  interface IIterable<T> : IUnknown { HRESULT First([out, retval] Windows.Foundation.Collections.IIterator<T> **value); }
  [uuid(21111111-2222-3333-4444-555555555555)]
  interface IMapView<K, V> : IUnknown requires Windows.Foundation.Collections.IIterable<K *>
  { HRESULT Lookup([in] K key, [out, retval] V *value); }
  [uuid(31111111-2222-3333-4444-555555555555)]
  delegate HRESULT TypedEventHandler<TSender, TArgs>([in] TSender sender, [in] TArgs args);
}
[object, local, uuid(41111111-2222-3333-4444-555555555555)]
interface IUser : IUnknown { HRESULT Get([out] IIterable<long> **items); }
)");
  EXPECT_COMPILES(r);
  for (const char* name : {"IIterator", "IIterable", "IMapView", "TypedEventHandler"}) {
    const sema::Decl* d = r.model->find(name);
    ASSERT_NE(d, nullptr) << name;
    EXPECT_TRUE(d->isForward) << name;
  }
  auto bad = compileText(
      "import \"unknwn.idl\";\ninterface IList<T>;\n"
      "[object, uuid(41111111-2222-3333-4444-555555555555)]\n"
      "interface IUser : IUnknown { HRESULT Get([out] IList<NOPE> **items); }\n");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.diagnostics.find("unknown type 'NOPE'"), std::string::npos) << bad.diagnostics;
}

TEST(WidlCompat, WinrtKeywordsRemainUsableAsNames) {
  auto r = compileText(R"(
typedef struct { long namespace; long delegate; } WORDS;
[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in] long requires, [in] long apicontract); }
)");
  EXPECT_COMPILES(r);
}

TEST(WidlCompat, BindingAttributesMayStandInTheInterfaceHeader) {
  auto r = compileText(R"(
[uuid(11111111-2222-3333-4444-555555555555), implicit_handle(handle_t hBinding), strict_context_handle]
interface Implicit { void F(void); }
[uuid(21111111-2222-3333-4444-555555555555), explicit_handle] interface Explicit { void G([in] handle_t h); }
)");
  EXPECT_COMPILES(r);
  const sema::InterfaceDecl* i = findInterface(*r.model, "Implicit");
  EXPECT_EQ(i->handleKind, sema::HandleKind::Implicit);
  EXPECT_EQ(i->implicitHandleType, "handle_t");
  EXPECT_EQ(i->implicitHandleName, "hBinding");
  EXPECT_EQ(findInterface(*r.model, "Explicit")->handleKind, sema::HandleKind::Explicit);
  // [auto_handle] in the header means what it means in the ACF, which midlc cannot generate yet.
  auto autoHandle =
      compileText("[uuid(11111111-2222-3333-4444-555555555555), auto_handle] interface A { void F(); }\n");
  EXPECT_FALSE(autoHandle.ok());
  EXPECT_NE(autoHandle.diagnostics.find("[auto_handle] is not supported"), std::string::npos)
      << autoHandle.diagnostics;
  // One binding per interface.
  auto both = compileText(
      "[uuid(11111111-2222-3333-4444-555555555555), implicit_handle(handle_t h), explicit_handle]\n"
      "interface B { void F(); }\n");
  EXPECT_FALSE(both.ok());
  EXPECT_NE(both.diagnostics.find("interface 'B' has both [implicit_handle] and [explicit_handle]"),
            std::string::npos)
      << both.diagnostics;
}

TEST(WidlCompat, TheAcfBindingReplacesTheInterfaceHeadersWithAWarning) {
  const char* idl =
      "[uuid(11111111-2222-3333-4444-555555555555), implicit_handle(handle_t hIdl)]\n"
      "interface I { void F([in] handle_t h); }\n";
  auto r = compileText(idl, "[explicit_handle] interface I { }\n");
  EXPECT_COMPILES(r);
  EXPECT_EQ(findInterface(*r.model, "I")->handleKind, sema::HandleKind::Explicit);
  EXPECT_NE(r.diagnostics.find("test.acf:1:2: warning: the ACF's [explicit_handle] on interface 'I' replaces "
                               "the IDL file's [implicit_handle]"),
            std::string::npos)
      << r.diagnostics;
  EXPECT_NE(r.diagnostics.find("test.idl:1:46: note: the IDL file's binding attribute is here"),
            std::string::npos)
      << r.diagnostics;
  auto other = compileText(idl, "[implicit_handle(handle_t hAcf)] interface I { }\n");
  EXPECT_COMPILES(other);
  EXPECT_EQ(findInterface(*other.model, "I")->implicitHandleName, "hAcf");
  EXPECT_NE(other.diagnostics.find("replaces the IDL file's [implicit_handle]"), std::string::npos);
  // Saying the same thing twice is no conflict.
  auto same = compileText(idl, "[implicit_handle(handle_t hIdl)] interface I { }\n");
  EXPECT_COMPILES(same);
  EXPECT_EQ(same.diagnostics, "");
}

TEST(WidlCompat, CoclassAndDispinterfaceMayShareAnInterfacesName) {
  auto r = compileText(R"(
import "unknwn.idl";
[object, uuid(11111111-2222-3333-4444-555555555555)] interface Foo : IUnknown { HRESULT F(); }
[uuid(21111111-2222-3333-4444-555555555555)] coclass Foo { [default] interface Foo; }
[uuid(31111111-2222-3333-4444-555555555555)] dispinterface Bar { properties: methods: }
[object, uuid(41111111-2222-3333-4444-555555555555)] interface Bar : IUnknown { HRESULT G(); }
[uuid(51111111-2222-3333-4444-555555555555)] coclass Baz { interface Foo; }
interface Baz;
[object, local, uuid(61111111-2222-3333-4444-555555555555)] interface IUser : IUnknown {
  HRESULT Use([in] Foo *foo, [in] Bar *bar, [in] Baz *baz);
}
)");
  EXPECT_COMPILES(r);
  // As a type, each name means the interface, whichever came first.
  for (const char* name : {"Foo", "Bar", "Baz"}) {
    ASSERT_NE(r.model->find(name), nullptr) << name;
    EXPECT_EQ(r.model->find(name)->kind, sema::Decl::Kind::Interface) << name;
  }
  const sema::Type* foo = param(*r.model, "IUser", "Use", 0).type;
  ASSERT_EQ(foo->kind, sema::Type::Kind::Pointer);
  EXPECT_EQ(foo->element->decl, r.model->find("Foo"));
  // The coclass and the dispinterface are still declared where they stand.
  std::vector<sema::Decl::Kind> kinds;
  for (const auto& file : r.model->files)
    if (file.isMain)
      for (const auto& item : file.items)
        if (auto* d = std::get_if<const sema::Decl*>(&item);
            d && ((*d)->name == "Foo" || (*d)->name == "Bar"))
          kinds.push_back((*d)->kind);
  EXPECT_EQ(kinds,
            (std::vector<sema::Decl::Kind>{sema::Decl::Kind::Interface, sema::Decl::Kind::Coclass,
                                           sema::Decl::Kind::Dispinterface, sema::Decl::Kind::Interface}));
  // Anything else sharing a name is still a redefinition.
  auto typedefAndCoclass =
      compileText("typedef long Foo;\n[uuid(21111111-2222-3333-4444-555555555555)] coclass Foo { }\n");
  EXPECT_FALSE(typedefAndCoclass.ok());
  EXPECT_NE(typedefAndCoclass.diagnostics.find("redefinition of 'Foo'"), std::string::npos)
      << typedefAndCoclass.diagnostics;
}

TEST(WidlCompat, PureVirtualMethodsAreAccepted) {
  auto r = compileText(R"(
import "unknwn.idl";
[object, local, uuid(11111111-2222-3333-4444-555555555555)] interface IPure : IUnknown {
  HRESULT F() = 0;
  HRESULT G([in] long a) = 0;
}
)");
  EXPECT_COMPILES(r);
  const sema::InterfaceDecl* i = findInterface(*r.model, "IPure");
  ASSERT_NE(findOp(i, "G"), nullptr);
  EXPECT_EQ(findOp(i, "G")->opnum, 4u);
  EXPECT_EQ(findOp(i, "G")->params.size(), 1u);
  auto one = compileText("[object, local] interface I { long F() = 1; }\n");
  EXPECT_FALSE(one.ok());
  EXPECT_NE(one.diagnostics.find("test.idl:1:42: error: expected '= 0' after the parameters of 'F'"),
            std::string::npos)
      << one.diagnostics;
}

TEST(WidlCompat, StaticConstantsAreConstants) {
  auto r = compileText("static const int X = 5;\nconst long Y = X + 1;\n");
  EXPECT_COMPILES(r);
  ASSERT_NE(findConst(*r.model, "X"), nullptr);
  EXPECT_EQ(findConst(*r.model, "X")->value.integer, 5);
  EXPECT_EQ(findConst(*r.model, "Y")->value.integer, 6);
}

TEST(WidlCompat, FunctionTypedefsNameFunctionTypes) {
  auto r = compileText(R"(
typedef int fn(const char *format, ...);
typedef char *name_fn(void);
typedef fn *pfn;
)");
  EXPECT_COMPILES(r);
  auto typedefType = [&](const char* name) {
    const sema::Decl* d = r.model->find(name);
    EXPECT_NE(d, nullptr) << name;
    EXPECT_EQ(d->kind, sema::Decl::Kind::Typedef) << name;
    return static_cast<const sema::TypedefDecl*>(d)->type;
  };
  const sema::Type* f = typedefType("fn");
  ASSERT_EQ(f->kind, sema::Type::Kind::Function);
  EXPECT_TRUE(f->isVariadic);
  ASSERT_EQ(f->element->kind, sema::Type::Kind::Primitive);  // returns int
  const sema::Type* n = typedefType("name_fn");
  ASSERT_EQ(n->kind, sema::Type::Kind::Function);
  EXPECT_FALSE(n->isVariadic);
  EXPECT_EQ(n->element->kind, sema::Type::Kind::Pointer);  // returns char*
  const sema::Type* p = typedefType("pfn");
  ASSERT_EQ(p->kind, sema::Type::Kind::Pointer);
  EXPECT_EQ(p->element->decl, r.model->find("fn"));
  // Only a typedef may name a function type.
  auto field = compileText("struct S { long f(void); };\n");
  EXPECT_FALSE(field.ok());
  EXPECT_NE(
      field.diagnostics.find("field 'f' is declared as a function; only a typedef may name a function type"),
      std::string::npos)
      << field.diagnostics;
}

TEST(WidlCompat, CustomTakesAnUnquotedGuid) {
  auto r = compileText(R"(
[uuid(11111111-2222-3333-4444-555555555555), custom(0F21F359-AB84-41E8-9A78-36D110E6D2F9, "x")]
interface I { void F(void); }
[custom("1F21F359-AB84-41E8-9A78-36D110E6D2F9", 5)] struct S { long a; };
)");
  EXPECT_COMPILES(r);
  const sema::Attribute* custom = nullptr;
  for (const auto& a : findInterface(*r.model, "I")->attributes)
    if (a.name == "custom") custom = &a;
  ASSERT_NE(custom, nullptr);
  EXPECT_EQ(custom->args, (std::vector<std::string>{"0F21F359-AB84-41E8-9A78-36D110E6D2F9", "\"x\""}));
}

TEST(WidlCompat, PointerAttributeOnAnArrayFieldIsIgnored) {
  auto r = compileText(R"(
struct S { long n; [size_is(n), unique] long a[]; };
struct F { [ptr] short b[4]; };
)");
  EXPECT_COMPILES(r);
  // The array stays embedded: S is a conformant structure, as without [unique].
  const auto* s = static_cast<const sema::StructDecl*>(r.model->tags.at("S"));
  const sema::Type* a = s->fields[1].type;
  ASSERT_EQ(a->kind, sema::Type::Kind::Array);
  EXPECT_FALSE(a->fixedLength);
  ASSERT_NE(a->sizing.sizeIs, nullptr);
  EXPECT_EQ(a->sizing.sizeIs->name, "n");
  const auto* f = static_cast<const sema::StructDecl*>(r.model->tags.at("F"));
  EXPECT_EQ(f->fields[0].type->kind, sema::Type::Kind::Array);
  EXPECT_NE(r.diagnostics.find("test.idl:2:46: warning: [unique] on field 'a' is ignored: an array in a "
                               "structure or union is embedded, not a pointer"),
            std::string::npos)
      << r.diagnostics;
  // On a field that is not an array, it is still an error.
  auto scalar = compileText("struct T { [unique] long x; };\n");
  EXPECT_FALSE(scalar.ok());
  EXPECT_NE(scalar.diagnostics.find("[unique] applies to pointers, and field 'x' is not one"),
            std::string::npos)
      << scalar.diagnostics;
}

TEST(WidlCompat, TrailingCtrlZIsIgnored) {
  auto r = compileFiles({
      {"main.idl",
       "import \"types.idl\";\r\n"
       "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in] T t); }\r\n\x1a"},
      {"types.idl", "typedef long T;\r\n\x1a"},
      {"main.acf", "[implicit_handle(handle_t hI)] interface I { }\r\n\x1a"},
  });
  EXPECT_COMPILES(r);
  EXPECT_EQ(findInterface(*r.model, "I")->implicitHandleName, "hI");
  // Read without the preprocessor too, and without a newline before it.
  auto raw = compileText("[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F(); }\x1a",
                         "interface I { }\x1a", false);
  EXPECT_COMPILES(raw);
}
