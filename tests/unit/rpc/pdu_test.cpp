// Byte-exact checks of PDU encoding and decoding against C706 chapter 12 and MS-RPCE 2.2.2.
#include <gtest/gtest.h>

#include <vector>

#include "midlrt/rpc/pdu.h"
#include "midlrt/rpc/status.h"

namespace midlrt::rpc::pdu {
namespace {

using Bytes = std::vector<uint8_t>;

const SyntaxId kIf{*Uuid::parse("12345678-1234-abcd-ef00-0123456789ab"), 1, 0};

const Bytes kIfBytes = {0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0xcd, 0xab, 0xef, 0x00,
                        0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0x01, 0x00, 0x00, 0x00};
const Bytes kNdrBytes = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8,
                         0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 0x02, 0x00, 0x00, 0x00};

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

View viewOf(const Bytes& b) {
  View v;
  v.data = b.data();
  EXPECT_EQ(decodeHeader(b.data(), b.size(), v.header), HeaderStatus::kOk);
  return v;
}

TEST(Pdu, BindEncodesCommonHeaderAndPresentationContextList) {
  Bind b;
  b.maxXmitFrag = 4280;
  b.maxRecvFrag = 4280;
  b.contexts.push_back(ContextElement{0, kIf, {kNdr20Syntax}});
  Bytes out;
  encodeBind(out, PType::kBind, kFirstFrag | kLastFrag, 1, b);
  Bytes expected =
      cat({{0x05, 0x00, 0x0b, 0x03, 0x10, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00},
           {0xb8, 0x10, 0xb8, 0x10, 0x00, 0x00, 0x00, 0x00},
           {0x01, 0x00, 0x00, 0x00},
           {0x00, 0x00, 0x01, 0x00},
           kIfBytes,
           kNdrBytes});
  EXPECT_EQ(out, expected);

  Bind d = decodeBind(viewOf(out));
  EXPECT_EQ(d.maxXmitFrag, 4280);
  ASSERT_EQ(d.contexts.size(), 1u);
  EXPECT_EQ(d.contexts[0].abstractSyntax, kIf);
  ASSERT_EQ(d.contexts[0].transferSyntaxes.size(), 1u);
  EXPECT_EQ(d.contexts[0].transferSyntaxes[0], kNdr20Syntax);
}

TEST(Pdu, BindAckSecondaryAddressCountsNulAndPadsResultListToFour) {
  BindAck a;
  a.maxXmitFrag = 4280;
  a.maxRecvFrag = 4280;
  a.assocGroupId = 0x12345;
  a.secondaryAddress = "4747";
  a.results.push_back(ContextResultEntry{ContextResult::kAcceptance, 0, kNdr20Syntax});
  Bytes out;
  encodeBindAck(out, PType::kBindAck, kFirstFrag | kLastFrag, 1, a);
  Bytes expected =
      cat({{0x05, 0x00, 0x0c, 0x03, 0x10, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00},
           {0xb8, 0x10, 0xb8, 0x10, 0x45, 0x23, 0x01, 0x00},
           {0x05, 0x00, '4', '7', '4', '7', 0x00, 0x00},
           {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
           kNdrBytes});
  EXPECT_EQ(out, expected);
  BindAck d = decodeBindAck(viewOf(out));
  EXPECT_EQ(d.secondaryAddress, "4747");
  EXPECT_EQ(d.assocGroupId, 0x12345u);
  ASSERT_EQ(d.results.size(), 1u);
  EXPECT_EQ(d.results[0].transferSyntax, kNdr20Syntax);
}

TEST(Pdu, AlterContextRespWithEmptySecondaryAddressPadsToFour) {
  BindAck a;
  a.results.push_back(ContextResultEntry{ContextResult::kProviderRejection,
                                         static_cast<uint16_t>(ProviderReason::kAbstractSyntaxNotSupported),
                                         {}});
  Bytes out;
  encodeBindAck(out, PType::kAlterContextResp, kFirstFrag | kLastFrag, 7, a);
  ASSERT_EQ(out.size(), 56u);  // 24 + 2 + 2 pad + 4 + 24
  EXPECT_EQ(out[2], 15);
  EXPECT_EQ(out[24], 0);
  EXPECT_EQ(out[25], 0);
  EXPECT_EQ(out[28], 1);  // n_results
  EXPECT_EQ(out[32], 2);  // provider_rejection
  EXPECT_EQ(out[34], 1);  // abstract_syntax_not_supported
  BindAck d = decodeBindAck(viewOf(out));
  EXPECT_TRUE(d.secondaryAddress.empty());
  EXPECT_EQ(d.results[0].result, ContextResult::kProviderRejection);
}

TEST(Pdu, BindNakCarriesReasonVersionsAndOptionalSignature) {
  BindNak n;
  n.reason = RejectReason::kProtocolVersionNotSupported;
  Bytes out;
  encodeBindNak(out, 3, n);
  Bytes expected = {0x05, 0x00, 0x0d, 0x03, 0x10, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00,
                    0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(out, expected);
  BindNak d = decodeBindNak(viewOf(out));
  EXPECT_EQ(d.reason, RejectReason::kProtocolVersionNotSupported);
  ASSERT_EQ(d.versions.size(), 1u);
  EXPECT_EQ(d.versions[0], (std::pair<uint8_t, uint8_t>{5, 0}));
  EXPECT_FALSE(d.signature);

  n.signature = kIf.uuid;
  out.clear();
  encodeBindNak(out, 3, n);
  EXPECT_EQ(out.size(), 16u + 2 + 3 + 16);
  d = decodeBindNak(viewOf(out));
  ASSERT_TRUE(d.signature);
  EXPECT_EQ(*d.signature, kIf.uuid);
}

TEST(Pdu, RequestWithObjectUuidSetsFlagAndPutsStubAfterUuid) {
  Request r;
  r.allocHint = 8;
  r.contextId = 1;
  r.opnum = 9;
  r.object = kIf.uuid;
  Bytes stub = {1, 2, 3, 4, 5, 6, 7, 8};
  Bytes out;
  encodeRequest(out, kFirstFrag | kLastFrag, 0x01020304, r, stub.data(), stub.size());
  Bytes expected =
      cat({{0x05, 0x00, 0x00, 0x83, 0x10, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x04, 0x03, 0x02, 0x01},
           {0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x09, 0x00},
           Bytes(kIfBytes.begin(), kIfBytes.begin() + 16),
           stub});
  EXPECT_EQ(out, expected);
  Body body;
  Request d = decodeRequest(viewOf(out), body);
  EXPECT_EQ(d.opnum, 9);
  ASSERT_TRUE(d.object);
  EXPECT_EQ(*d.object, kIf.uuid);
  EXPECT_EQ(Bytes(body.stub, body.stub + body.stubLength), stub);
}

TEST(Pdu, ResponseHeaderIsTwentyFourBytes) {
  Response r;
  r.allocHint = 4;
  r.contextId = 2;
  Bytes stub = {9, 9, 9, 9};
  Bytes out;
  encodeResponse(out, kFirstFrag | kLastFrag, 5, r, stub.data(), stub.size());
  Bytes expected = {0x05, 0x00, 0x02, 0x03, 0x10, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x05, 0x00,
                    0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 9,    9,    9,    9};
  EXPECT_EQ(out, expected);
  Body body;
  Response d = decodeResponse(viewOf(out), body);
  EXPECT_EQ(d.contextId, 2);
  EXPECT_EQ(body.stubLength, 4u);
}

TEST(Pdu, FaultCarriesStatusAndReservedPadToThirtyTwoBytes) {
  Fault f;
  f.contextId = 1;
  f.status = status::kOpRangeError;
  Bytes out;
  encodeFault(out, 6, f);
  Bytes expected = {0x05, 0x00, 0x03, 0x03, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00,
                    0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
                    0x00, 0x00, 0x02, 0x00, 0x01, 0x1c, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(out, expected);
  EXPECT_EQ(decodeFault(viewOf(out)).status, status::kOpRangeError);
}

TEST(Pdu, CancelOrphanedAndShutdownAreBareHeaders) {
  for (PType t : {PType::kCoCancel, PType::kOrphaned, PType::kShutdown}) {
    Bytes out;
    encodeBare(out, t, kFirstFrag | kLastFrag, 42);
    Bytes expected = {
        0x05, 0x00, static_cast<uint8_t>(t), 0x03, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 42, 0x00,
        0x00, 0x00};
    EXPECT_EQ(out, expected) << ptypeName(t);
  }
}

TEST(Pdu, StubDataExcludesAuthVerifierAndItsPadding) {
  Request r;
  Bytes stub = {1, 2, 3, 4, 5, 6, 0, 0};  // 6 bytes of stub + 2 bytes auth padding
  Bytes out;
  encodeRequest(out, kFirstFrag | kLastFrag, 1, r, stub.data(), stub.size());
  Bytes trailer = {10, 2, 2, 0, 0, 0, 0, 0};  // auth_type, level, auth_pad_length 2, reserved, context id
  Bytes authValue(16, 0xaa);
  out.insert(out.end(), trailer.begin(), trailer.end());
  out.insert(out.end(), authValue.begin(), authValue.end());
  out[8] = static_cast<uint8_t>(out.size());
  out[10] = 16;
  Body body;
  decodeRequest(viewOf(out), body);
  EXPECT_EQ(body.stubLength, 6u);
}

TEST(Pdu, HeaderDecoderRejectsWrongVersionByteOrderAndLengths) {
  Bytes good;
  encodeBare(good, PType::kCoCancel, 3, 1);
  Header h;
  EXPECT_EQ(decodeHeader(good.data(), good.size(), h), HeaderStatus::kOk);
  EXPECT_EQ(decodeHeader(good.data(), 15, h), HeaderStatus::kNeedMore);
  Bytes bad = good;
  bad[0] = 4;
  EXPECT_EQ(decodeHeader(bad.data(), bad.size(), h), HeaderStatus::kUnsupportedVersion);
  bad = good;
  bad[1] = 2;  // 5.2
  EXPECT_EQ(decodeHeader(bad.data(), bad.size(), h), HeaderStatus::kUnsupportedVersion);
  bad = good;
  bad[1] = 1;  // 5.1 (DCE 1.1) is accepted
  EXPECT_EQ(decodeHeader(bad.data(), bad.size(), h), HeaderStatus::kOk);
  bad = good;
  bad[0] = 4;
  bad[4] = 0x00;  // a wrong version with an unreadable header is just invalid
  EXPECT_EQ(decodeHeader(bad.data(), bad.size(), h), HeaderStatus::kInvalid);
  bad = good;
  bad[4] = 0x00;  // big-endian integers
  EXPECT_EQ(decodeHeader(bad.data(), bad.size(), h), HeaderStatus::kInvalid);
  bad = good;
  bad[8] = 0;  // frag_length 0
  EXPECT_EQ(decodeHeader(bad.data(), bad.size(), h), HeaderStatus::kInvalid);
  bad = good;
  bad[10] = 1;  // auth_length larger than the PDU
  EXPECT_EQ(decodeHeader(bad.data(), bad.size(), h), HeaderStatus::kInvalid);
}

TEST(Pdu, TruncatedBodiesThrowProtocolError) {
  Bind b;
  b.contexts.push_back(ContextElement{0, kIf, {kNdr20Syntax}});
  Bytes out;
  encodeBind(out, PType::kBind, 3, 1, b);
  for (size_t len = 16; len < out.size(); ++len) {
    Bytes cut(out.begin(), out.begin() + static_cast<long>(len));
    cut[8] = static_cast<uint8_t>(len);
    EXPECT_THROW(decodeBind(viewOf(cut)), ProtocolError) << len;
  }
  Bytes fault;
  encodeFault(fault, 1, Fault{});
  fault.resize(20);
  fault[8] = 20;
  EXPECT_THROW(decodeFault(viewOf(fault)), ProtocolError);
}

TEST(Pdu, StatusNamesFollowTheSpecifications) {
  EXPECT_EQ(statusName(0x1c010002), "nca_s_op_rng_error");
  EXPECT_EQ(statusName(0x1c010003), "nca_s_unk_if");
  EXPECT_EQ(statusName(0x1c00000d), "nca_s_fault_cancel");
  EXPECT_EQ(statusName(0x000006f7), "rpc_x_bad_stub_data");
  EXPECT_EQ(statusName(0x12345678), "0x12345678");
  RpcError e(status::kUnkIf);
  EXPECT_EQ(e.status(), status::kUnkIf);
  EXPECT_NE(std::string(e.what()).find("nca_s_unk_if"), std::string::npos);
}

}  // namespace
}  // namespace midlrt::rpc::pdu
