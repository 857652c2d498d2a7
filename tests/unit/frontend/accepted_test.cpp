// The language midlc accepts: one test per construct, each checking what the model made of it.
#include <gtest/gtest.h>

#include "sema/analyze.h"
#include "sema/json_dump.h"
#include "support/compile_text.h"
#include "support/model_queries.h"

using midlc::testing::compileText;
using midlc::testing::findConst;
using midlc::testing::findInterface;
using midlc::testing::findOp;
namespace sema = midlc::sema;

namespace {

#define EXPECT_COMPILES(result) ASSERT_TRUE((result).ok()) << (result).diagnostics

}  // namespace

TEST(Accepted, ConstantExpressionsFoldWithCPrecedence) {
  auto r = compileText(R"(
const long A = 1 + 2 * 3;
const long B = (A << 4) | 0x0F;
const long C = A > 5 ? ~0 : -1;
const unsigned long D = 0xFFFFFFFFu;
const long E = B % 7 ^ 3 & 2;
const char F = 'x';
const wchar_t G = L'\x41';
const char* S = "a" "b\n";
const long H = !0 && (1 || 0);
const hyper BIG = 0x7fffffffffffffff;
const long SZ = sizeof(hyper);
const long CAST = (short)0x12345;
)");
  EXPECT_COMPILES(r);
  EXPECT_EQ(findConst(*r.model, "A")->value.integer, 7);
  EXPECT_EQ(findConst(*r.model, "B")->value.integer, (7 << 4) | 15);
  EXPECT_EQ(findConst(*r.model, "C")->value.integer, -1);
  EXPECT_EQ(static_cast<uint64_t>(findConst(*r.model, "D")->value.integer), 0xFFFFFFFFu);
  EXPECT_EQ(findConst(*r.model, "E")->value.integer, ((127 % 7) ^ (3 & 2)));
  EXPECT_EQ(findConst(*r.model, "F")->value.integer, 'x');
  EXPECT_EQ(findConst(*r.model, "G")->value.integer, 0x41);
  EXPECT_EQ(findConst(*r.model, "S")->value.string, "ab\n");
  EXPECT_EQ(findConst(*r.model, "H")->value.integer, 1);
  EXPECT_EQ(findConst(*r.model, "BIG")->value.integer, 0x7fffffffffffffff);
  EXPECT_EQ(findConst(*r.model, "SZ")->value.integer, 8);
  EXPECT_EQ(findConst(*r.model, "CAST")->value.integer, 0x2345);
}

TEST(Accepted, EnumValuesContinueFromExplicitOnes) {
  auto r = compileText(R"(
const long BASE = 10;
typedef [v1_enum] enum Color { Red, Green = BASE * 2, Blue, } Color;
enum Plain { P0, P1 = Green + 1 };
)");
  EXPECT_COMPILES(r);
  auto* e = static_cast<const sema::EnumDecl*>(r.model->tags.at("Color"));
  ASSERT_EQ(e->enumerators.size(), 3u);
  EXPECT_EQ(e->enumerators[0].value, 0);
  EXPECT_EQ(e->enumerators[1].value, 20);
  EXPECT_EQ(e->enumerators[2].value, 21);
  auto* p = static_cast<const sema::EnumDecl*>(r.model->tags.at("Plain"));
  EXPECT_EQ(p->enumerators[1].value, 21);
}

TEST(Accepted, BaseTypesMapToTheirNdrPrimitives) {
  auto r = compileText(R"(
typedef struct S {
  boolean a; byte b; small c; unsigned small c2; short d; unsigned short e; long f; unsigned long g;
  hyper h; unsigned hyper i; __int3264 j; __int64 k; int l; unsigned int m; char n; unsigned char o;
  wchar_t p; float q; double r; error_status_t s; long long t; unsigned u; signed char v; const long w;
  volatile short x; __int8 y; __int16 z; __int32 aa;
} S;
)");
  EXPECT_COMPILES(r);
  auto* s = static_cast<const sema::StructDecl*>(r.model->tags.at("S"));
  using P = sema::Primitive;
  std::vector<P> want = {P::Boolean, P::Byte,  P::Int8,   P::UInt8,   P::Int16,  P::UInt16,      P::Int32,
                         P::UInt32,  P::Int64, P::UInt64, P::Int3264, P::Int64,  P::Int32,       P::UInt32,
                         P::Char,    P::UInt8, P::WChar,  P::Float,   P::Double, P::ErrorStatus, P::Int64,
                         P::UInt32,  P::Int8,  P::Int32,  P::Int16,   P::Int8,   P::Int16,       P::Int32};
  ASSERT_EQ(s->fields.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(s->fields[i].type->primitive, want[i]) << "field " << s->fields[i].name;
}

TEST(Accepted, ArraysAndPointersCarryTheirLevelAttributes) {
  auto r = compileText(R"(
[local, uuid(11111111-2222-3333-4444-555555555555), pointer_default(unique)]
interface Arrays {
  typedef struct Conformant { long n; [size_is(n)] long values[]; } Conformant;
  typedef struct Varying { long first; long len; [first_is(first), length_is(len)] short v[16]; } Varying;
  typedef struct Grid { long cells[3][4]; } Grid;
  typedef struct Node { long value; struct Node* next; [string] wchar_t* name; } Node;
  void Fill([in] long n, [in, out, size_is(n), length_is(n)] long* data);
  void Matrix([in] long rows, [in] long cols, [in, size_is(rows, cols)] long** m);
  void MaxIs([in] long max, [in, max_is(max)] byte* data);
  void Strings([in, string] char* a, [out, string] wchar_t** b, [in, string, unique] char* c);
  void PtrToPtr([in, out, unique] Node** head);
  void Full([in, ptr] long* a, [in, ptr] long* b);
  void Star([in] long n, [in, size_is(n)] long data[*]);
}
)");
  EXPECT_COMPILES(r);
  auto* itf = findInterface(*r.model, "Arrays");
  ASSERT_TRUE(itf);
  const sema::Type* fill = findOp(itf, "Fill")->params[1].type;
  EXPECT_EQ(fill->kind, sema::Type::Kind::Pointer);
  EXPECT_EQ(fill->pointerKind, sema::PointerKind::Ref);
  ASSERT_TRUE(fill->sizing.sizeIs);
  EXPECT_EQ(fill->sizing.sizeIs->kind, sema::Expr::Kind::ParamRef);
  EXPECT_EQ(fill->sizing.sizeIs->param->name, "n");
  ASSERT_TRUE(fill->sizing.lengthIs);

  const sema::Type* m = findOp(itf, "Matrix")->params[2].type;
  ASSERT_EQ(m->kind, sema::Type::Kind::Pointer);
  EXPECT_EQ(m->sizing.sizeIs->text, "rows");
  ASSERT_EQ(m->element->kind, sema::Type::Kind::Pointer);
  EXPECT_EQ(m->element->sizing.sizeIs->text, "cols");
  EXPECT_EQ(m->element->pointerKind, sema::PointerKind::Unique);  // embedded: pointer_default

  const sema::Type* b = findOp(itf, "Strings")->params[1].type;
  EXPECT_EQ(b->kind, sema::Type::Kind::Pointer);
  EXPECT_FALSE(b->isString);
  EXPECT_TRUE(b->element->isString);
  EXPECT_EQ(findOp(itf, "Strings")->params[2].type->pointerKind, sema::PointerKind::Unique);
  EXPECT_EQ(findOp(itf, "Full")->params[0].type->pointerKind, sema::PointerKind::Full);

  auto* grid = static_cast<const sema::StructDecl*>(r.model->tags.at("Grid"));
  const sema::Type* cells = grid->fields[0].type;
  ASSERT_EQ(cells->kind, sema::Type::Kind::Array);
  EXPECT_EQ(*cells->fixedLength, 3u);
  EXPECT_EQ(*cells->element->fixedLength, 4u);

  auto* conf = static_cast<const sema::StructDecl*>(r.model->tags.at("Conformant"));
  EXPECT_EQ(conf->fields[1].type->sizing.sizeIs->field, &conf->fields[0]);
}

TEST(Accepted, EncapsulatedAndNonEncapsulatedUnions) {
  auto r = compileText(R"(
typedef union Encap switch (short kind) value {
  case 1: long l;
  case 2: case 3: double d;
  default: ;
} Encap;
typedef [switch_type(long)] union Plain {
  [case(1)] long l;
  [case(2, 4)] [string] char* s;
  [default] ;
} Plain;
typedef struct Holder { long kind; [switch_is(kind)] Plain u; } Holder;
[uuid(11111111-2222-3333-4444-555555555556)]
interface U { void Send([in] long k, [in, switch_is(k)] Plain* p, [in] Encap* e); }
)");
  EXPECT_COMPILES(r);
  auto* encap = static_cast<const sema::UnionDecl*>(r.model->tags.at("Encap"));
  EXPECT_TRUE(encap->encapsulated);
  EXPECT_EQ(encap->switchName, "kind");
  EXPECT_EQ(encap->armName, "value");
  ASSERT_EQ(encap->arms.size(), 3u);
  EXPECT_EQ(encap->arms[1].cases.size(), 2u);
  EXPECT_TRUE(encap->arms[2].isDefault);
  EXPECT_FALSE(encap->arms[2].field.has_value());
  auto* plain = static_cast<const sema::UnionDecl*>(r.model->tags.at("Plain"));
  EXPECT_FALSE(plain->encapsulated);
  EXPECT_EQ(plain->arms[1].cases.size(), 2u);
  EXPECT_EQ(plain->arms[1].cases[1].integer, 4);
  auto* holder = static_cast<const sema::StructDecl*>(r.model->tags.at("Holder"));
  ASSERT_TRUE(holder->fields[1].switchIs);
  EXPECT_EQ(holder->fields[1].switchIs->field, &holder->fields[0]);
}

TEST(Accepted, ForwardDeclarationsBitfieldsAndFunctionPointers) {
  auto r = compileText(R"(
struct Later;
typedef struct Later* PLATER;
struct Later { long x; PLATER next; };
typedef struct Bits { unsigned long a : 3; unsigned long b : 29; } Bits;
typedef void (__stdcall *CALLBACK_FN)(long code, void* context);
typedef long (*PLAIN_FN)(void);
interface IForward;
)");
  EXPECT_COMPILES(r);
  auto* bits = static_cast<const sema::StructDecl*>(r.model->tags.at("Bits"));
  EXPECT_EQ(*bits->fields[0].bitWidth, 3u);
  EXPECT_FALSE(r.model->tags.at("Later")->isForward);
}

TEST(Accepted, ObjectInterfacesNumberOpnumsAfterTheirBase) {
  auto r = compileText(R"(
import "unknwn.idl";
[object, uuid(22222222-2222-3333-4444-555555555555), pointer_default(unique), helpstring("base")]
interface IBase : IUnknown { HRESULT One(); HRESULT Two([in] long x); }
[object, uuid(33333333-2222-3333-4444-555555555555), dual, oleautomation]
interface IDerived : IBase {
  [propget, id(1)] HRESULT Value([out, retval] long* v);
  [propput, id(1)] HRESULT Value2([in, defaultvalue(5)] long v);
  HRESULT Opt([in, optional] long a, [in, lcid] long lcid);
}
)");
  EXPECT_COMPILES(r);
  auto* base = findInterface(*r.model, "IBase");
  EXPECT_EQ(base->operations[0].opnum, 3u);
  EXPECT_EQ(base->operations[1].opnum, 4u);
  auto* derived = findInterface(*r.model, "IDerived");
  EXPECT_EQ(derived->operations[0].opnum, 5u);
  EXPECT_TRUE(derived->operations[0].params[0].isRetval);
  EXPECT_EQ(derived->base, base);
}

TEST(Accepted, RpcInterfaceAttributesAndContextHandles) {
  auto r = compileText(R"(
[uuid(44444444-2222-3333-4444-555555555555), version(2.5), endpoint("ncacn_ip_tcp:[4747]", "ncalrpc:[calc]"),
 pointer_default(ref)]
interface Service {
  typedef [context_handle] void* SESSION;
  typedef [ref] SESSION* PSESSION;
  error_status_t Open([in] handle_t h, [out] SESSION* s);
  void Close([in, out] SESSION* s);
  [idempotent] long Ping([in] handle_t h);
  void Flow([in] handle_t h, [in] pipe long data);
  [call_as(Flow)] void RemoteFlow([in] handle_t h);
}
)");
  EXPECT_COMPILES(r);
  auto* itf = findInterface(*r.model, "Service");
  EXPECT_EQ(itf->versionMajor, 2);
  EXPECT_EQ(itf->versionMinor, 5);
  ASSERT_EQ(itf->endpoints.size(), 2u);
  EXPECT_EQ(itf->endpoints[1], "ncalrpc:[calc]");
  EXPECT_EQ(itf->pointerDefault, sema::PointerKind::Ref);
  auto* session = static_cast<const sema::TypedefDecl*>(r.model->find("SESSION"));
  EXPECT_TRUE(session->isContextHandle);
}

TEST(Accepted, CppQuotePragmasAndMidlPragmaKeepTheirOrder) {
  auto r = compileText(R"(
cpp_quote("#include <stdint.h>")
#pragma pack(push, 8)
midl_pragma warning(disable: 2111)
const long X = 1;
cpp_quote("// \"quoted\" text")
#pragma pack(pop)
)");
  EXPECT_COMPILES(r);
  const auto& items = r.model->mainFile().items;
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(std::get<sema::CppQuote>(items[0]).text, "#include <stdint.h>");
  EXPECT_EQ(std::get<sema::Pragma>(items[1]).text, "#pragma pack(push, 8)");
  EXPECT_EQ(std::get<sema::CppQuote>(items[3]).text, "// \"quoted\" text");
}

TEST(Accepted, LibrariesCoclassesModulesAndDispinterfaces) {
  auto r = compileText(R"(
import "unknwn.idl";
[object, uuid(55555555-2222-3333-4444-555555555555)] interface IThing : IUnknown { HRESULT Do(); }
[uuid(66666666-2222-3333-4444-555555555555), version(1.0), helpstring("lib")]
library ThingLib {
  importlib("stdole2.tlb");
  [uuid(77777777-2222-3333-4444-555555555555)]
  dispinterface DThing { properties: [id(1)] long Count; methods: [id(2)] void Go(); };
  [uuid(88888888-2222-3333-4444-555555555555), appobject]
  coclass Thing { [default] interface IThing; [source] dispinterface DThing; };
  [dllname("thing.dll")] module Helpers { const long MAGIC = 42; };
};
)");
  EXPECT_COMPILES(r);
  EXPECT_TRUE(r.model->find("Thing"));
  EXPECT_TRUE(r.model->find("ThingLib"));
  EXPECT_EQ(findConst(*r.model, "MAGIC")->value.integer, 42);
  // dllname is not in midlc's table: kept, with one warning.
  EXPECT_NE(r.diagnostics.find("warning: attribute 'dllname' is not supported"), std::string::npos);
}

TEST(Accepted, UnknownAttributesAreKeptAndReportedOnce) {
  auto r = compileText(R"(
[uuid(99999999-2222-3333-4444-555555555555), frobnicate(1, "x")]
interface A { [frobnicate] void F([in, frobnicate(2)] long a); }
)");
  EXPECT_COMPILES(r);
  size_t first = r.diagnostics.find("'frobnicate'");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(r.diagnostics.find("'frobnicate'", first + 1), std::string::npos) << r.diagnostics;
  auto* itf = findInterface(*r.model, "A");
  EXPECT_EQ(itf->attributes[1].name, "frobnicate");
  ASSERT_EQ(itf->attributes[1].args.size(), 2u);
  EXPECT_EQ(itf->attributes[1].args[1], "\"x\"");
}

TEST(Accepted, SalAnnotationsAndCallingConventionsAreIgnored) {
  auto r = compileText(R"(
[uuid(aaaaaaaa-2222-3333-4444-555555555555)]
interface Sal {
  long __stdcall F([in] _In_ long a, [out] _Out_writes_(n) long* b, [in] long n);
  void G([in, annotation("_In_")] long a);
}
)");
  EXPECT_COMPILES(r);
}

TEST(Accepted, TypeAttributesOfThePresentationKind) {
  auto r = compileText(R"(
typedef struct WIRE { long v; } WIRE;
typedef [wire_marshal(WIRE)] void* HTHING;
typedef [user_marshal(WIRE)] struct LOCALT { long a; } LOCALT;
typedef [transmit_as(long)] struct XMIT { short s; } XMIT;
typedef [handle] struct CUSTOM_BINDING { long id; } CUSTOM_BINDING;
typedef [public, range(1, 10)] long SMALL_RANGE;
)");
  EXPECT_COMPILES(r);
}

TEST(Accepted, AcfAttributesMergeIntoTheModel) {
  auto r = compileText(R"(
import "unknwn.idl";
[uuid(bbbbbbbb-2222-3333-4444-555555555555)]
interface Rpc {
  typedef struct BIG { long a; } BIG;
  error_status_t Op([in] handle_t h, [out] error_status_t* st);
  void Other([in] handle_t h, [in] long x);
}
[object, uuid(cccccccc-2222-3333-4444-555555555555)]
interface IObj : IUnknown { HRESULT M([in] long a); HRESULT N(); }
)",
                       R"(
typedef [represent_as(long)] BIG;
[implicit_handle(handle_t hGlobal), code]
interface Rpc {
  [async, comm_status] Op([fault_status] st);
  [nocode, optimize("i"), notify, enable_allocate] Other();
}
[strict_context_handle]
interface IObj { [async] M(); }
)");
  EXPECT_COMPILES(r);
  auto* rpc = findInterface(*r.model, "Rpc");
  EXPECT_EQ(rpc->handleKind, sema::HandleKind::Implicit);
  EXPECT_EQ(rpc->implicitHandleName, "hGlobal");
  EXPECT_TRUE(findOp(rpc, "Op")->isAsync);
  EXPECT_TRUE(findOp(rpc, "Op")->hasCommStatusReturn);
  EXPECT_TRUE(findOp(rpc, "Op")->params[1].isFaultStatus);
  EXPECT_FALSE(findOp(rpc, "Other")->isAsync);
  EXPECT_EQ(rpc->asyncSource, sema::AsyncSource::None);  // RPC interfaces have no call objects
  auto* obj = findInterface(*r.model, "IObj");
  EXPECT_EQ(obj->asyncSource, sema::AsyncSource::Acf);
  EXPECT_TRUE(findOp(obj, "M")->isAsync);
  EXPECT_FALSE(findOp(obj, "N")->isAsync);
  auto* big = static_cast<const sema::TypedefDecl*>(r.model->find("BIG"));
  ASSERT_EQ(big->acfAttributes.size(), 1u);
  EXPECT_EQ(big->acfAttributes[0].name, "represent_as");
}

TEST(Accepted, EncodeAndDecodeMarkTheTypesTheyPickle) {
  auto r = compileText(R"(
[uuid(bbbbbbbb-2222-3333-4444-666666666666)]
interface Types {
  typedef struct A { long a; } A;
  typedef struct B { short b; } B;
  typedef A AliasOfA;
  typedef long Number;
}
[uuid(bbbbbbbb-2222-3333-4444-777777777777)]
interface Mine { typedef struct C { hyper c; } C; }
)",
                       R"(
interface Types { typedef [encode] A; typedef [decode] B; }
[encode, decode] interface Mine {}
)");
  EXPECT_COMPILES(r);
  auto typedefOf = [&](const char* name) {
    return static_cast<const sema::TypedefDecl*>(r.model->find(name));
  };
  EXPECT_TRUE(typedefOf("A")->encode);
  EXPECT_FALSE(typedefOf("A")->decode);
  EXPECT_FALSE(typedefOf("B")->encode);
  EXPECT_TRUE(typedefOf("B")->decode);
  EXPECT_FALSE(typedefOf("AliasOfA")->encode);  // each typedef by name
  EXPECT_FALSE(typedefOf("Number")->encode);
  EXPECT_TRUE(typedefOf("C")->encode && typedefOf("C")->decode);  // the interface's own struct typedefs
  EXPECT_NE(sema::summarizeModel(*r.model).find("pickled types: A (encode), B (decode), C (encode, decode)"),
            std::string::npos);
}

TEST(Accepted, EncodeDecodeOnOperationsAndInterfacesMakeSerializationProcedures) {
  auto r = compileText(R"(
[uuid(bbbbbbbb-2222-3333-4444-888888888888)]
interface Calls {
  void Put([in] handle_t h, [in] long n);
  void Get([in] handle_t h, [out] long* n);
  void Both([in] handle_t h, [in, out] long* n);
  void Remote([in] handle_t h);
}
[uuid(bbbbbbbb-2222-3333-4444-999999999999)]
interface All { void One([in] long n); void Two([in, out] short* s); }
)",
                       R"(
interface Calls { [encode] Put(); [decode] Get(); [encode, decode] Both(); }
[implicit_handle(handle_t all_binding), encode] interface All { [decode] Two(); }
)");
  EXPECT_COMPILES(r);
  const auto& calls = findInterface(*r.model, "Calls")->operations;
  EXPECT_TRUE(calls[0].encode && !calls[0].decode);
  EXPECT_TRUE(!calls[1].encode && calls[1].decode);
  EXPECT_TRUE(calls[2].encode && calls[2].decode);
  EXPECT_FALSE(calls[3].isPickled());
  const auto& all = findInterface(*r.model, "All")->operations;
  EXPECT_TRUE(all[0].encode && !all[0].decode);  // the interface's [encode] applies to every procedure
  EXPECT_TRUE(all[1].encode && all[1].decode);   // and adds to the operation's own
  const std::string summary = sema::summarizeModel(*r.model);
  EXPECT_NE(summary.find("0  Put(in h, in n)  [encode]\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("1  Get(in h, out n)  [decode]\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("3  Remote(in h)\n"), std::string::npos) << summary;
}

TEST(Accepted, AsyncUuidMakesEveryMethodAsynchronous) {
  auto r = compileText(R"(
import "unknwn.idl";
[object, uuid(dddddddd-2222-3333-4444-555555555555), async_uuid(eeeeeeee-2222-3333-4444-555555555555)]
interface IAsyncable : IUnknown { HRESULT A(); HRESULT B([in] long x, [out] long* y); }
)");
  EXPECT_COMPILES(r);
  auto* itf = findInterface(*r.model, "IAsyncable");
  EXPECT_EQ(itf->asyncSource, sema::AsyncSource::AsyncUuid);
  EXPECT_EQ(itf->asyncUuid->text(), "eeeeeeee-2222-3333-4444-555555555555");
  EXPECT_TRUE(itf->operations[0].isAsync && itf->operations[1].isAsync);
}

TEST(Accepted, AcfAsyncIidIsDerivedDeterministicallyFromTheSyncIid) {
  const char* idl = R"(
import "unknwn.idl";
[object, uuid(12345678-1234-1234-1234-123456789abc)] interface IFoo : IUnknown { HRESULT M(); }
)";
  auto a = compileText(idl, "interface IFoo { [async] M(); }");
  auto b = compileText(idl, "[async] interface IFoo { }");
  EXPECT_COMPILES(a);
  EXPECT_COMPILES(b);
  auto* ia = findInterface(*a.model, "IFoo");
  auto* ib = findInterface(*b.model, "IFoo");
  ASSERT_TRUE(ia->asyncUuid && ib->asyncUuid);
  EXPECT_EQ(ia->asyncUuid->text(), ib->asyncUuid->text());
  EXPECT_EQ(ia->asyncUuid->text(),
            sema::Uuid::nameBased(sema::kAsyncIidNamespace, "12345678-1234-1234-1234-123456789abc").text());
  // RFC 4122 version 5, variant 10xx.
  EXPECT_EQ(ia->asyncUuid->data3 >> 12, 5);
  EXPECT_EQ(ia->asyncUuid->data4[0] >> 6, 2);
}

TEST(Accepted, NameBasedUuidMatchesRfc4122) {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") == 886313e1-3b8a-5372-9b90-0c9aee199e5d
  auto dns = *sema::Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
  EXPECT_EQ(sema::Uuid::nameBased(dns, "python.org").text(), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST(Accepted, PreprocessorDefinesAndLineMarkersMapBack) {
  auto r = compileText(R"(
#define COUNT 4
#ifdef __midl
const long N = COUNT * 2;
#endif
#if __MIDLC__
const long M = N + 1;
#endif
)");
  EXPECT_COMPILES(r);
  EXPECT_EQ(findConst(*r.model, "N")->value.integer, 8);
  EXPECT_EQ(findConst(*r.model, "M")->location.line, 7u);
}

TEST(Accepted, TheCalculatorSampleCompiles) {
  midlc::driver::Options options;
  options.input = std::string(MIDLC_SAMPLES_DIR) + "/calculator/calculator.idl";
  midlc::FileCache files;
  midlc::Diagnostics diagnostics(&files);
  auto model = midlc::driver::compile(options, files, diagnostics);
  ASSERT_TRUE(model) << diagnostics.summary();
  EXPECT_FALSE(model->acfPath.empty());
}

TEST(Accepted, AttributesOnPointerTypedefsApplyToTheTypedefsPointer) {
  auto r = compileText(R"(
import "wtypes.idl";
typedef struct Sec { DWORD n; [size_is(n)] LPVOID data; } Sec;
typedef struct Tagged {
  DWORD kind;
  [switch_is(kind)] union { [case(1)] long a; [default] ; };
} Tagged;
[local, uuid(abababab-2222-3333-4444-555555555555)]
interface P { void F([in, string] LPWSTR name, [in, unique] LPCWSTR opt, [in] Sec* s, [in] Tagged* t); }
)");
  EXPECT_COMPILES(r);
  auto* p = findInterface(*r.model, "P");
  const sema::Type* opt = findOp(p, "F")->params[1].type;
  ASSERT_EQ(opt->kind, sema::Type::Kind::Pointer);  // a copy of LPCWSTR's pointer, made [unique] for this use
  EXPECT_EQ(opt->pointerKind, sema::PointerKind::Unique);
  auto* sec = static_cast<const sema::StructDecl*>(r.model->tags.at("Sec"));
  ASSERT_EQ(sec->fields[1].type->kind, sema::Type::Kind::Pointer);
  EXPECT_EQ(sec->fields[1].type->sizing.sizeIs->field, &sec->fields[0]);
  auto* tagged = static_cast<const sema::StructDecl*>(r.model->tags.at("Tagged"));
  ASSERT_TRUE(tagged->fields[1].switchIs);
}
