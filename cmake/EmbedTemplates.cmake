# Writes OUTPUT: a C++ file that embeds every templates/cpp/**/*.mustache file as a string, named by its path
# under templates/cpp ("rpc/client_function.mustache"), so midlc runs from anywhere. Run by CMake at build
# time (see src/CMakeLists.txt); editing a template rebuilds midlc.
file(GLOB_RECURSE templates RELATIVE "${TEMPLATE_DIR}" "${TEMPLATE_DIR}/*.mustache")
list(SORT templates)
set(body "// Generated at build time from templates/cpp by cmake/EmbedTemplates.cmake. Do not edit.\n")
string(APPEND body "#include \"codegen/render.h\"\n\nnamespace midlc::codegen {\n\n")
string(APPEND body "const std::vector<EmbeddedTemplate>& embeddedTemplates() {\n")
string(APPEND body "  static const std::vector<EmbeddedTemplate> templates = {\n")
foreach(name IN LISTS templates)
  file(READ "${TEMPLATE_DIR}/${name}" text)
  string(APPEND body "      {\"${name}\", R\"MIDLC_TEMPLATE(${text})MIDLC_TEMPLATE\"},\n")
endforeach()
string(APPEND body "  };\n  return templates;\n}\n\n}  // namespace midlc::codegen\n")
file(WRITE "${OUTPUT}.tmp" "${body}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
