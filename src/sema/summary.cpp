// The model summary midlc prints when no output is asked for.
#include <sstream>

#include "sema/json_dump.h"

namespace midlc::sema {

std::string summarizeModel(const Model& model) {
  std::ostringstream out;
  const auto& main = model.mainFile();
  size_t types = 0, constants = 0;
  for (const auto& item : main.items)
    if (auto* d = std::get_if<const Decl*>(&item)) {
      if ((*d)->kind == Decl::Kind::Const)
        ++constants;
      else if ((*d)->kind != Decl::Kind::Interface)
        ++types;
    }
  out << main.path;
  if (!model.acfPath.empty()) out << " + " << model.acfPath;
  out << ": " << types << " type declaration(s), " << constants << " constant(s), " << model.files.size() - 1
      << " imported file(s)\n";
  for (const InterfaceDecl* itf : model.interfaces()) {
    out << "  " << (itf->isObject ? "object interface " : "RPC interface ") << itf->name;
    if (itf->base) out << " : " << itf->base->name;
    if (itf->uuid) out << "  uuid " << itf->uuid->text();
    out << "  version " << itf->versionMajor << "." << itf->versionMinor;
    if (itf->isLocal) out << "  [local]";
    out << "\n";
    if (itf->asyncSource != AsyncSource::None)
      out << "    async: Async" << itf->name << (itf->asyncUuid ? "  iid " + itf->asyncUuid->text() : "")
          << " (from " << (itf->asyncSource == AsyncSource::AsyncUuid ? "[async_uuid]" : "the ACF") << ")\n";
    for (const auto& op : itf->operations) {
      out << "    " << op.opnum << "  " << op.name << "(";
      for (size_t i = 0; i < op.params.size(); ++i) {
        const auto& p = op.params[i];
        out << (i ? ", " : "")
            << (p.direction == Direction::In    ? "in "
                : p.direction == Direction::Out ? "out "
                                                : "in,out ")
            << p.name;
      }
      // A serialization procedure is not called: it has _Encode/_Decode functions instead.
      const char* pickled = op.encode && op.decode ? "  [encode, decode]"
                            : op.encode            ? "  [encode]"
                            : op.decode            ? "  [decode]"
                                                   : "";
      out << ")" << (op.isAsync ? "  [async]" : "") << pickled << "\n";
    }
  }
  // Types the ACF pickles, with the functions each gets.
  std::string pickled;
  for (const auto& d : model.decls) {
    if (d->kind != Decl::Kind::Typedef) continue;
    const auto* td = static_cast<const TypedefDecl*>(d.get());
    if (!td->encode && !td->decode) continue;
    pickled += (pickled.empty() ? "" : ", ") + td->name + " (" +
               (td->encode && td->decode ? "encode, decode"
                : td->encode             ? "encode"
                                         : "decode") +
               ")";
  }
  if (!pickled.empty()) out << "  pickled types: " << pickled << '\n';
  return out.str();
}

}  // namespace midlc::sema
