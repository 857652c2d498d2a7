// Wire plans as C++ statements (see wire_emitter.h): one fragment per step and direction.
#include "codegen/wire_emitter.h"

#include "codegen/cpp_types.h"
#include "support/text.h"

namespace midlc::codegen {

namespace {

std::string quote(const std::string& s) {
  return "\"" + cEscape(s) + "\"";
}

class Emitter {
 public:
  Emitter(Printer& p, Coding coding)
      : p_(p), encode_(coding == Coding::Encode), c_(encode_ ? "midl_e" : "midl_d") {}

  void steps(const wire::Steps& steps) {
    for (const auto& step : steps) std::visit([&](const auto& node) { emit(node); }, step.node);
  }

  std::function<void()> block(const wire::Steps& body) {
    return [this, &body] { steps(body); };
  }

  void emit(const wire::Scalar& s) {
    const char* method = nullptr;
    switch (s.primitive) {
      case sema::Primitive::Boolean:
        method = "Bool";
        break;
      case sema::Primitive::Int3264:
        method = "Int3264";
        break;
      case sema::Primitive::UInt3264:
        method = "Uint3264";
        break;
      default:
        break;
    }
    if (method) {
      if (encode_)
        p_.emit({{"m", method}, {"x", s.value}}, "midl_e.write$m$($x$);");
      else
        p_.emit({{"m", method}, {"x", s.value}}, "$x$ = midl_d.read$m$();");
      return;
    }
    if (encode_)
      p_.emit({{"t", primitiveType(s.primitive)}, {"x", s.value}}, "midl_e.write<$t$>($x$);");
    else
      p_.emit({{"t", primitiveType(s.primitive)}, {"x", s.value}}, "$x$ = midl_d.read<$t$>();");
  }

  void emit(const wire::Enum& n) {
    Printer::Var x{"x", n.value}, t{"t", n.type};
    if (n.wide)
      p_.emit({x, t}, encode_ ? "midl_e.write<int32_t>(static_cast<int32_t>($x$));"
                              : "$x$ = static_cast<$t$>(midl_d.read<int32_t>());");
    else
      p_.emit({x, t}, encode_ ? "midl_e.writeEnum16($x$);" : "$x$ = midl_d.readEnum16<$t$>();");
  }

  void emit(const wire::Convert& n) {
    Printer::Var x{"x", n.value}, t{"t", n.wireType}, w{"w", n.local}, body{"body", block(n.body)};
    if (encode_)
      p_.emit({x, t, w, {"to", n.toWire}, body}, R"gen(
        {
          const $t$ $w$ = $to$($x$);
          $body$
        }
      )gen");
    else
      p_.emit({x, t, w, {"from", n.fromWire}, body}, R"gen(
        {
          $t$ $w${};
          $body$
          $x$ = $from$($w$);
        }
      )gen");
  }

  void emit(const wire::UserMarker&) {
    p_.emit(encode_ ? "midl_e.writeUserMarker();" : "midl_d.readUserMarker();");
  }

  void emit(const wire::TypeFlat& n) {
    p_.emit({{"x", n.value}}, encode_ ? "ndrWriteFlat(midl_e, $x$);" : "ndrReadFlat(midl_d, $x$);");
  }

  void emit(const wire::TypePointees& n) {
    p_.emit({{"x", n.value}}, encode_ ? "ndrWritePointees(midl_e, $x$);" : "ndrReadPointees(midl_d, $x$);");
  }

  // A decoded [ptr] referent's links, for the server's FullPointerGraph: how to write a struct or union.
  static Printer::Var linksOf(bool isType, const std::string& type) {
    return {"links",
            isType ? "[](::midlrt::ndr::Encoder& midl_le, const " + type +
                         "& midl_lv) { ndrWriteFlat(midl_le, midl_lv); ndrWritePointees(midl_le, midl_lv); }"
                   : ""};
  }

  void emit(const wire::PointerId& n) {
    Printer::Var x{"x", n.value}, t{"t", n.pointee};
    switch (n.kind) {
      case sema::PointerKind::Ref:
        p_.emit(encode_ ? "midl_e.writeRefPointer();" : "midl_d.readRefPointer();");
        return;
      case sema::PointerKind::Unique:
        if (encode_)
          p_.emit({x}, "midl_e.writeUniquePointer($x$.get());");
        else
          p_.emit({x, t}, R"gen(
            if (midl_d.readUniquePointer()) $x$ = std::make_unique<$t$>();
            else $x$.reset();
          )gen");
        return;
      case sema::PointerKind::Full:
        if (encode_)
          p_.emit({x}, "midl_e.writeFullPointer($x$.get());");
        else
          p_.emit({x, t, linksOf(n.pointeeIsType, n.pointee)}, "$x$ = midl_d.readFullPointer<$t$>($links$);");
        return;
    }
  }

  void emit(const wire::Referent& n) {
    Printer::Var x{"x", n.value}, c{"c", c_}, body{"body", block(n.body)};
    if (n.kind == sema::PointerKind::Full)
      p_.emit({x, c, body}, R"gen(
        if ($x$ && $c$.claimFullReferent($x$.get())) {
          $body$
        }
      )gen");
    else
      p_.emit({x, body}, R"gen(
        if ($x$) {
          $body$
        }
      )gen");
  }

  void emit(const wire::TopPointer& n) {
    Printer::Var x{"x", n.value}, ptr{"p", n.raw ? n.value : n.value + ".get()"}, t{"t", n.pointee},
        body{"body", block(n.body)};
    if (n.kind == sema::PointerKind::Full) {
      if (encode_)
        p_.emit({ptr, body}, R"gen(
          midl_e.writeFullPointer($p$);
          if (midl_e.claimFullReferent($p$)) {
            $body$
          }
        )gen");
      else
        p_.emit({x, t, body, linksOf(n.pointeeIsType, n.pointee)}, R"gen(
          $x$ = midl_d.readFullPointer<$t$>($links$);
          if ($x$ && midl_d.claimFullReferent($x$.get())) {
            $body$
          }
        )gen");
      return;
    }
    if (encode_)
      p_.emit({ptr, body}, R"gen(
        if (midl_e.writeUniquePointer($p$)) {
          $body$
        }
      )gen");
    else
      p_.emit({x, t, body}, R"gen(
        if (midl_d.readUniquePointer()) {
          $x$ = std::make_unique<$t$>();
          $body$
        } else {
          $x$.reset();
        }
      )gen");
  }

  void emit(const wire::InterfacePointer& n) {
    using Holder = wire::InterfacePointer::Holder;
    Printer::Var x{"x", n.value}, iid{"iid", n.iid}, i{"i", n.interface}, factory{"f", n.factory};
    if (encode_ && n.holder == Holder::OwnedVoid) {
      // The manager's reference: the stub's, released once the object is exported.
      p_.emit({x, iid}, R"gen(
        {
          const auto midl_owned = ::midlrt::com::ComPtr<::midlrt::com::IUnknown>::attach(static_cast<::midlrt::com::IUnknown*>($x$));
          $x$ = nullptr;
          if (midl_e.writeUniquePointer(midl_owned.get())) ::midlrt::dcom::writeInterfacePointer(midl_e, midl_owned.get(), $iid$);
        }
      )gen");
    } else if (encode_) {
      const bool plain = n.holder == Holder::Borrowed || n.holder == Holder::CallersVoid;
      p_.emit({{"p", plain ? n.value : n.value + ".get()"}, iid}, R"gen(
        if (midl_e.writeUniquePointer($p$)) ::midlrt::dcom::writeInterfacePointer(midl_e, static_cast<::midlrt::com::IUnknown*>($p$), $iid$);
      )gen");
    } else if (n.holder == Holder::CallersVoid) {
      p_.emit({x, iid, factory}, R"gen(
        if ($x$) static_cast<::midlrt::com::IUnknown*>(std::exchange($x$, nullptr))->Release();
        if (midl_d.readUniquePointer()) $x$ = ::midlrt::dcom::readInterfacePointer(midl_d, $iid$, $f$);
      )gen");
    } else if (n.holder == Holder::OwnedVoid) {
      p_.emit({x, iid, factory}, R"gen(
        $x$ = midl_d.readUniquePointer() ? ::midlrt::dcom::readInterfacePointer(midl_d, $iid$, $f$) : nullptr;
      )gen");
    } else {
      p_.emit({x, i, iid, factory}, R"gen(
        if (midl_d.readUniquePointer())
          $x$ = ::midlrt::com::ComPtr<$i$>::attach(static_cast<$i$*>(::midlrt::dcom::readInterfacePointer(midl_d, $iid$, $f$)));
        else
          $x$.reset();
      )gen");
    }
  }

  void emit(const wire::InterfaceId& n) {
    Printer::Var x{"x", n.value};
    if (encode_)
      p_.emit({x}, R"gen(
        midl_e.writeUniquePointer($x$.get());
      )gen");
    else
      p_.emit({x}, R"gen(
        if (midl_d.readUniquePointer())
          midl_d.deferInterface(&$x$);
        else
          $x$.reset();
      )gen");
  }

  void emit(const wire::InterfaceReferent& n) {
    Printer::Var x{"x", n.value}, i{"i", n.interface}, iid{"iid", n.iid}, factory{"f", n.factory};
    if (encode_)
      p_.emit({x, iid}, R"gen(
        if ($x$) ::midlrt::dcom::writeInterfacePointer(midl_e, static_cast<::midlrt::com::IUnknown*>($x$.get()), $iid$);
      )gen");
    else
      p_.emit({x, i, iid, factory}, R"gen(
        if (midl_d.takeDeferredInterface(&$x$))
          $x$ = ::midlrt::com::ComPtr<$i$>::attach(static_cast<$i$*>(::midlrt::dcom::readInterfacePointer(midl_d, $iid$, $f$)));
      )gen");
  }

  void emit(const wire::String& n) {
    Printer::Var x{"x", n.value}, w{"w", n.wide ? "W" : ""};
    if (!encode_ && !n.viewOf.empty())
      p_.emit({{"v", n.viewOf}}, "midl_d.readView($v$);");
    else
      p_.emit({x, w}, encode_ ? "midl_e.write$w$String($x$);" : "midl_d.read$w$String($x$);");
  }

  void emit(const wire::BoundedString& n) {
    Printer::Var x{"x", n.value}, w{"w", n.wide ? "W" : ""};
    if (encode_)
      p_.emit({x, w, {"bound", n.fixed ? ", " + std::to_string(*n.fixed) : ""}},
              "midl_e.writeVarying$w$String($x$$bound$);");
    else
      p_.emit({x, w, {"bound", n.fixed ? std::to_string(*n.fixed) : "midl_conformance"}},
              "$x$ = midl_d.readVarying$w$String($bound$);");
  }

  void emit(const wire::Elements& n) {
    Printer::Var c{"c", n.container}, align{"align", std::to_string(n.alignment)}, count{"n", n.count};
    switch (n.codec) {
      case wire::Elements::Codec::BulkStruct: {
        p_.emit({{"t", n.elementType},
                 {"size", std::to_string(n.size)},
                 {"why", quote(n.elementType + " has the NDR layout of its members")}},
                "static_assert(sizeof($t$) == $size$, $why$);");
        if (!encode_ && !n.viewOf.empty()) {
          p_.emit({{"v", n.viewOf}, count, align}, "midl_d.readView($v$, $n$, $align$);");
        } else if (!encode_) {
          if (n.count.empty())
            p_.emit({c, align}, "midl_d.readBulk($c$.data(), $c$.size(), $align$);");
          else
            p_.emit({c, count, align}, "midl_d.readBulk($c$, $n$, $align$);");
        } else if (n.holes.empty()) {
          p_.emit({c, align}, "midl_e.writeBulk($c$.data(), $c$.size(), $align$);");
        } else {
          std::string holes;
          for (const auto& [offset, size] : n.holes)
            holes += (holes.empty() ? "" : ", ") +
                     ("{" + std::to_string(offset) + ", " + std::to_string(size) + "}");
          p_.emit({c, align, {"holes", holes}}, R"gen(
            {
              static constexpr ::midlrt::ndr::PaddingHole midl_holes[] = {$holes$};
              midl_e.writeBulk($c$.data(), $c$.size(), midl_holes, $align$);
            }
          )gen");
        }
        return;
      }
      case wire::Elements::Codec::Bulk:
        if (!encode_ && !n.viewOf.empty())
          p_.emit({{"v", n.viewOf}, count}, "midl_d.readView($v$, $n$);");
        else if (encode_)
          p_.emit({c}, "midl_e.writeBulk($c$.data(), $c$.size());");
        else if (n.count.empty())
          p_.emit({c}, "midl_d.readBulk($c$.data(), $c$.size());");
        else
          p_.emit({c, count}, "midl_d.readBulk($c$, $n$);");
        return;
      case wire::Elements::Codec::EachFlat:
        break;
    }
    Printer::Var el{"el", n.element}, body{"body", block(n.body)};
    if (n.userMarkers) {
      if (!encode_ && !n.count.empty())
        p_.emit({c, count, align, {"what", quote(n.what)}}, R"gen(
          midl_d.requireElements($n$, $align$, $what$);
          $c$.resize($n$);
        )gen");
      p_.emit({c, el, {"marker", encode_ ? "midl_e.writeUserMarker();" : "midl_d.readUserMarker();"}},
              "for (size_t $el$ = 0; $el$ < $c$.size(); ++$el$) $marker$");
      return;
    }
    if (encode_) {
      p_.emit({c, el, body}, R"gen(
        for (const auto& $el$ : $c$) {
          $body$
        }
      )gen");
      return;
    }
    if (!n.count.empty())
      p_.emit({c, count, align, {"what", quote(n.what)}}, R"gen(
        midl_d.requireElements($n$, $align$, $what$);
        $c$.resize($n$);
      )gen");
    p_.emit({c, el, body}, R"gen(
      for (auto& $el$ : $c$) {
        $body$
      }
    )gen");
  }

  void emit(const wire::EachElement& n) {
    p_.emit(
        {{"c", n.container}, {"el", n.element}, {"const", encode_ ? "const " : ""}, {"body", block(n.body)}},
        R"gen(
              for ($const$auto& $el$ : $c$) {
                $body$
              }
            )gen");
  }

  void emit(const wire::ConformantArray& n) {
    p_.emit({{"body", [&] { conformantArray(n); }}}, R"gen(
      {
        $body$
      }
    )gen");
  }

  void conformantArray(const wire::ConformantArray& n) {
    Printer::Var y{"y", n.value}, count{"count", n.countLocal}, variance{"variance", n.varianceLocal};
    Printer::Var maxText{"text", quote(n.maxCountText)}, max{"max", n.maxCount};
    if (encode_ && n.varying)
      p_.emit({y, maxText, max, {"offset", n.offset}},
              "midl_e.writeConformanceAndVariance($text$, $max$, $offset$, $y$.size());");
    else if (encode_)
      p_.emit({y}, "midl_e.writeConformance($y$.size());");
    else
      p_.emit({count}, "const uint32_t $count$ = midl_d.readConformance();");
    if (!encode_ && n.checkMaxCount)
      p_.emit({count, maxText, max},
              "::midlrt::ndr::Decoder::checkCorrelation($text$, static_cast<uint64_t>($max$), $count$);");
    if (!encode_ && !n.maxCountSink.empty()) p_.emit({count, {"sink", n.maxCountSink}}, "$sink$ = $count$;");
    if (!encode_ && n.varying)
      p_.emit({count, variance}, "const auto $variance$ = midl_d.readVariance($count$);");
    if (!encode_ && n.varying && !n.offsetText.empty())  // the struct's fields are read by now
      p_.emit({variance, {"text", quote(n.offsetText)}, {"value", n.offset}},
              "::midlrt::ndr::Decoder::checkCorrelation($text$, static_cast<uint64_t>($value$), "
              "$variance$.offset);");
    emit(n.elements);
    if (n.pointees) emit(*n.pointees);
  }

  void emit(const wire::HoistedArray& n) {
    if (n.varying) {
      if (encode_)
        p_.emit({{"x", n.value}, {"offset", n.offset}}, "midl_e.writeVariance($offset$, $x$.size());");
      else
        p_.emit({{"variance", n.varianceLocal}},
                "const auto $variance$ = midl_d.readVariance(midl_conformance);");
    }
    emit(n.elements);
  }

  void emit(const wire::VaryingArray& n) {
    Printer::Var x{"x", n.value}, size{"n", std::to_string(n.size)}, window{"window", n.window},
        elements{"elements", [&] { emit(n.elements); }};
    if (encode_) {
      p_.emit({x,
               size,
               window,
               elements,
               {"first", n.firstLocal},
               {"count", n.countLocal},
               {"firstValue", n.first},
               {"countValue", n.count},
               {"why", quote(n.what + ": " + n.firstText + " and " + n.countText +
                             " select elements beyond the array's " + std::to_string(n.size))}},
              R"gen(
                {
                  const uint64_t $first$ = static_cast<uint64_t>($firstValue$);
                  const uint64_t $count$ = static_cast<uint64_t>($countValue$);
                  if ($first$ > $n$ || $count$ > $n$ - $first$) midl_e.fail($why$);
                  midl_e.writeVariance($first$, $count$);
                  const auto $window$ = ::midlrt::ndr::window($x$, $first$, $count$);
                  $elements$
                }
              )gen");
      return;
    }
    p_.emit({x, size, window, elements, {"variance", n.varianceLocal}}, R"gen(
      const auto $variance$ = midl_d.readVariance($n$);
      $x$ = {};
      {
        const auto $window$ = ::midlrt::ndr::window($x$, $variance$.offset, $variance$.actualCount);
        $elements$
      }
    )gen");
  }

  // After a struct's fields are read: its varying arrays' offsets and counts against the fields.
  void varianceChecks(const wire::Steps& flat) {
    for (const auto& step : flat) {
      if (const auto* h = std::get_if<wire::HoistedArray>(&step.node); h && !h->offsetText.empty())
        p_.emit({{"variance", h->varianceLocal}, {"text", quote(h->offsetText)}, {"value", h->offset}},
                "::midlrt::ndr::Decoder::checkCorrelation($text$, static_cast<uint64_t>($value$), "
                "$variance$.offset);");
      const auto* a = std::get_if<wire::VaryingArray>(&step.node);
      if (!a) continue;
      Printer::Var variance{"variance", a->varianceLocal};
      p_.emit({variance, {"text", quote(a->firstText)}, {"value", a->first}},
              "::midlrt::ndr::Decoder::checkCorrelation($text$, static_cast<uint64_t>($value$), "
              "$variance$.offset);");
      p_.emit({variance, {"text", quote(a->countText)}, {"value", a->count}},
              "::midlrt::ndr::Decoder::checkCorrelation($text$, static_cast<uint64_t>($value$), "
              "$variance$.actualCount);");
    }
  }

  void emit(const wire::ClientContext& n) {
    p_.emit({{"x", n.value}}, encode_ ? "::midlrt::rpc::writeContextHandle(midl_e, $x$);"
                                      : "$x$ = ::midlrt::rpc::readContextHandle(midl_d);");
  }

  void emit(const wire::ServerContext& n) {
    Printer::Var x{"x", n.value}, id{"id", n.uuidLocal};
    p_.emit({x, id}, encode_ ? "::midlrt::rpc::writeServerContext(midl_e, midl_call, $id$, $x$);"
                             : "$x$ = ::midlrt::rpc::readServerContext(midl_d, midl_call, $id$);");
  }

  void emit(const wire::PipeOut& n) {
    if (n.inPlaceAlignment) {
      p_.emit({{"x", n.value}, {"align", std::to_string(n.inPlaceAlignment)}},
              "::midlrt::ndr::writePipeInPlace(midl_e, $x$, $align$);");
      return;
    }
    p_.emit({{"x", n.value}, {"t", n.writer.elementType}, {"body", [&] { emit(n.writer); }}}, R"gen(
      ::midlrt::ndr::writePipe(midl_e, $x$, [](::midlrt::ndr::Encoder& midl_e, std::span<const $t$> midl_c) {
        $body$
      });
    )gen");
  }

  void emit(const wire::PipeIn& n) {
    p_.emit({{"x", n.value}, {"t", n.reader.elementType}, {"body", [&] { emit(n.reader); }}}, R"gen(
      ::midlrt::ndr::readPipe(midl_d, $x$, [](::midlrt::ndr::Decoder& midl_d, std::vector<$t$>& midl_c, uint32_t midl_n) {
        $body$
      });
    )gen");
  }

  enum class Which { All, Flat, Deferred };  // Deferred: pointers' referents
  void sizeChecks(const std::vector<wire::SizeCheck>& checks, Which which) {
    for (const auto& c : checks) {
      const bool guarded = !c.guard.empty();
      if ((which == Which::Flat && c.deferred) || (which == Which::Deferred && !c.deferred)) continue;
      Printer::Var check{"check", encode_ ? "::midlrt::ndr::Encoder::checkSize"
                                          : "::midlrt::ndr::Decoder::checkCorrelation"};
      Printer::Var text{"text", quote(c.text)}, value{"value", c.value}, container{"c", c.container};
      Printer::Var count{"n", c.count.empty() ? c.container + ".size()" : c.count};
      if (guarded)
        p_.emit({check, text, value, count, {"g", c.guard}},
                "if ($g$) $check$($text$, static_cast<uint64_t>($value$), $n$);");
      else
        p_.emit({check, text, value, count}, "$check$($text$, static_cast<uint64_t>($value$), $n$);");
    }
  }

  void rangeChecks(const std::vector<wire::RangeCheck>& checks) {
    for (const auto& r : checks)
      p_.emit({{"side", side()},
               {"what", quote(r.what)},
               {"x", r.value},
               {"t", r.type},
               {"min", r.min},
               {"max", r.max},
               {"if", r.guard.empty() ? "" : "if (" + r.guard + ") "}},
              "$if$$side$::checkRange($what$, $x$, static_cast<$t$>($min$), static_cast<$t$>($max$));");
  }

  void switchChecks(const std::vector<wire::SwitchCheck>& checks) {
    for (const auto& s : checks)
      p_.emit({{"side", side()},
               {"x", s.value},
               {"expected", s.expected},
               {"if", s.guard.empty() ? "" : s.guard + " && "},
               {"why",
                quote("union " + s.what + " holds a different arm than [switch_is(" + s.text + ")] says")}},
              "if ($if$static_cast<int64_t>($x$.discriminant) != static_cast<int64_t>($expected$)) "
              "$side$::fail($why$);");
  }

  void structFlat(const wire::StructCodec& codec) {
    const size_t first = p_.lines().size();
    structFlatSteps(codec);
    // A struct whose every field is a user-marshaled pointer has only markers in its flat part.
    bool usesValue = false;
    for (size_t i = first; i < p_.lines().size(); ++i)
      usesValue = usesValue || p_.lines()[i].find("midl_v") != std::string::npos;
    if (!usesValue) p_.emit("(void)midl_v;");
  }

  void structFlatSteps(const wire::StructCodec& codec) {
    guard();
    if (encode_) {
      sizeChecks(codec.sizes, Which::All);
      if (codec.hoisted) p_.emit({{"n", *codec.hoisted}}, "midl_e.writeConformance($n$);");
      rangeChecks(codec.ranges);
    } else if (codec.hoisted) {
      p_.emit("const uint32_t midl_conformance = midl_d.readConformance();");
    }
    p_.emit({{"c", c_}, {"n", std::to_string(codec.alignment)}}, "$c$.align($n$);");
    steps(codec.flat);
    if (!encode_) {
      if (!codec.hoistedText.empty())
        p_.emit({{"text", quote(codec.hoistedText)}, {"max", *codec.hoisted}},
                "::midlrt::ndr::Decoder::checkCorrelation($text$, static_cast<uint64_t>($max$), "
                "midl_conformance);");
      rangeChecks(codec.ranges);
      sizeChecks(codec.sizes, Which::Flat);  // pointers' referents are checked once they are read
      varianceChecks(codec.flat);
    }
    switchChecks(codec.switches);
  }

  void structPointees(const wire::StructCodec& codec) {
    bool guardedChecks = false;
    for (const auto& c : codec.sizes) guardedChecks = guardedChecks || c.deferred;
    if (codec.pointees.empty() && (encode_ || !guardedChecks)) {
      unused();
      return;
    }
    guard();
    steps(codec.pointees);
    if (!encode_) sizeChecks(codec.sizes, Which::Deferred);
  }

  void unionFlat(const wire::UnionCodec& codec) {
    guard();
    Printer::Var c{"c", c_};
    if (codec.encapsulated) p_.emit({c, {"n", std::to_string(codec.pairAlignment)}}, "$c$.align($n$);");
    steps(codec.discriminant);
    if (codec.encapsulated) p_.emit({c, {"n", std::to_string(codec.armAlignment)}}, "$c$.align($n$);");
    p_.emit({{"arms", [&] { unionArms(codec); }}}, R"gen(
      switch (static_cast<int64_t>(midl_v.discriminant)) {
        $arms$
      }
    )gen");
  }

  void unionArms(const wire::UnionCodec& codec) {
    for (const auto& arm : codec.arms) {
      std::string labels;
      for (int64_t c : arm.cases) labels += "case " + std::to_string(c) + ": ";
      if (arm.isDefault) labels += "default: ";
      Printer::Var index{"i", std::to_string(arm.index)};
      p_.emit({{"labels", labels},
               {"select",
                [&] {
                  if (encode_)
                    p_.emit({index,
                             {"why", quote("union '" + codec.name +
                                           "' holds an arm that does not match its discriminant")}},
                            "if (midl_v.value.index() != $i$) midl_e.fail($why$);");
                  else
                    p_.emit({index}, "midl_v.value.template emplace<$i$>();");
                }},
               {"body", block(arm.flat)}},
              R"gen(
                $labels${
                  $select$
                  $body$
                  break;
                }
              )gen");
    }
    if (!codec.hasDefault)
      p_.emit({{"c", c_}, {"name", cEscape(codec.name)}}, R"gen(
        default:
          $c$.fail("union '$name$' has no arm for discriminant " + std::to_string(static_cast<int64_t>(midl_v.discriminant)));
      )gen");
  }

  void unionPointees(const wire::UnionCodec& codec) {
    bool any = false;
    for (const auto& arm : codec.arms) any = any || !arm.pointees.empty();
    if (!any) {
      unused();
      return;
    }
    guard();
    p_.emit({{"arms",
              [&] {
                for (const auto& arm : codec.arms)
                  if (!arm.pointees.empty())
                    p_.emit({{"i", std::to_string(arm.index)}, {"body", block(arm.pointees)}}, R"gen(
                      case $i$: {
                        $body$
                        break;
                      }
                    )gen");
              }}},
            R"gen(
              switch (midl_v.value.index()) {
                $arms$
                default: break;
              }
            )gen");
  }

 private:
  const char* side() const { return encode_ ? "::midlrt::ndr::Encoder" : "::midlrt::ndr::Decoder"; }
  void guard() { p_.emit({{"c", c_}}, "DepthGuard midl_guard($c$);"); }
  void unused() {
    p_.emit({{"c", c_}}, R"gen(
      (void)$c$;
      (void)midl_v;
    )gen");
  }

  Printer& p_;
  bool encode_;
  std::string c_;  // the coder
};

}  // namespace

void emitSteps(Printer& p, const wire::Steps& steps, Coding coding) {
  Emitter(p, coding).steps(steps);
}

void emitSizeChecks(Printer& p, const std::vector<wire::SizeCheck>& checks, Coding coding) {
  Emitter(p, coding).sizeChecks(checks, Emitter::Which::All);
}

void emitRangeChecks(Printer& p, const std::vector<wire::RangeCheck>& checks, Coding coding) {
  Emitter(p, coding).rangeChecks(checks);
}

void emitSwitchChecks(Printer& p, const std::vector<wire::SwitchCheck>& checks, Coding coding) {
  Emitter(p, coding).switchChecks(checks);
}

void emitFlat(Printer& p, const wire::StructCodec& codec, Coding coding) {
  Emitter(p, coding).structFlat(codec);
}

void emitPointees(Printer& p, const wire::StructCodec& codec, Coding coding) {
  Emitter(p, coding).structPointees(codec);
}

void emitFlat(Printer& p, const wire::UnionCodec& codec, Coding coding) {
  Emitter(p, coding).unionFlat(codec);
}

void emitPointees(Printer& p, const wire::UnionCodec& codec, Coding coding) {
  Emitter(p, coding).unionPointees(codec);
}

void emitElements(Printer& p, const wire::Elements& elements, Coding coding) {
  Emitter(p, coding).emit(elements);
}

}  // namespace midlc::codegen
