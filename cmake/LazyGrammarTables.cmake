# Makes the parser's static tables (the ATN that ANTLR 4.7's generated lexer and parser deserialize in a
# static initializer) be built by the first lexer or parser instead of at start-up: a run answered from the
# import cache parses nothing, and building them took half of midlc's start (1.1 of 2.2 ms), paid by every
# file a build compiles. The generated constructor gets a function-local static (thread-safe) in place of the
# namespace-scope one. Later ANTLR versions build their tables lazily already and have no `_init` to move:
# such files are left as they are.
#
# cmake -DFILE=<IdlLexer.cpp> -DCLASS=IdlLexer -DBASE=Lexer -DINPUT=CharStream -P LazyGrammarTables.cmake
file(READ "${FILE}" text)
set(eager "${CLASS}::Initializer ${CLASS}::_init;")
set(constructor "${CLASS}::${CLASS}(${INPUT} *input) : ${BASE}(input) {\n")
string(FIND "${text}" "${eager}" eagerAt)
if(eagerAt EQUAL -1)
  return()
endif()
string(FIND "${text}" "${constructor}" constructorAt)
if(constructorAt EQUAL -1)
  message(FATAL_ERROR "${FILE}: ${CLASS}'s tables are built at start-up, but its constructor is not where "
                      "cmake/LazyGrammarTables.cmake looks for it (another ANTLR version?)")
endif()
string(REPLACE "${eager}" "// ${CLASS}::_init: built by the first ${CLASS} (cmake/LazyGrammarTables.cmake)"
       text "${text}")
string(REPLACE "${constructor}" "${constructor}  static Initializer tables;\n" text "${text}")
file(WRITE "${FILE}" "${text}")
