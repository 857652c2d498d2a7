// The MIDL (Microsoft/DCE) interface definition language and its attribute configuration files (ACF).
// Two entry rules share one lexer: idlFile and acfFile. The grammar builds no semantics; the AST builder
// (src/frontend/ast_builder*.cpp) turns the parse tree into ast::File. The IDL rules are also written out by
// hand in src/frontend/direct_parser.cpp, which builds the same AST and leaves to ANTLR what it declines (a
// change here goes there too; tests/unit/frontend/direct_parser_test.cpp compares the two).
grammar Idl;

@parser::members {
  // uuid(...) arguments are not expressions (12345678-1234-...): the builder takes their raw text.
  bool nextIsUuidAttribute() {
    const std::string text = _input->LT(1)->getText();
    return text == "uuid" || text == "async_uuid";
  }
  // custom(GUID, value): the GUID may be unquoted (0F21F359-AB84-41E8-...), which is no expression either.
  bool nextIsCustomAttribute() {
    return _input->LT(1)->getText() == "custom" && _input->LT(2)->getText() == "(";
  }
  // SAFEARRAY(type) is widl's and MIDL's spelling of an automation array; SAFEARRAY alone is a plain name.
  bool nextIsSafearray() {
    return _input->LT(1)->getText() == "SAFEARRAY" && _input->LT(2)->getText() == "(";
  }
}

// ---------------------------------------------------------------- IDL files

idlFile : definition* EOF ;

definition
  : importDecl
  | importlibDecl
  | cppQuote
  | midlPragma
  | pragmaLine
  | interfaceDecl
  | dispinterfaceDecl
  | coclassDecl
  | libraryDecl
  | moduleDecl
  | namespaceDecl
  | apicontractDecl
  | delegateDecl
  | declaration
  | operation     // a C function prototype outside any interface (widl accepts them; only C sees them)
  | ';'
  ;

importDecl   : 'import' STRING (',' STRING)* ';' ;
importlibDecl : 'importlib' '(' STRING ')' ';' ;
cppQuote     : 'cpp_quote' '(' STRING+ ')' ';'? ;
midlPragma   : 'midl_pragma' identifier '(' (~')')* ')' ';'? ;
pragmaLine   : PRAGMA_LINE ;

// WinRT (widl): interface IVector<T> : IInspectable requires IIterable<T> { ... }
interfaceDecl
  : attributeList? 'interface' name=identifier typeParams? (':' base=qualifiedName)? requiresClause?
    body='{' interfaceMember* '}' ';'?
  | attributeList? 'interface' name=identifier typeParams? ';'
  ;

typeParams : '<' identifier (',' identifier)* '>' ;
requiresClause : 'requires' typeName (',' typeName)* ;

// ---------------------------------------------------------------- WinRT declarations (widl)

namespaceDecl : 'namespace' qualifiedName '{' definition* '}' ';'? ;
apicontractDecl : attributeList? 'apicontract' identifier '{' '}' ';'? ;
delegateDecl
  : attributeList? 'delegate' typeSpec pointer* name=identifier typeParams? '(' paramList? ')' ';'
  ;

qualifiedName : identifier ('.' identifier)* ;

interfaceMember
  : importDecl
  | cppQuote
  | midlPragma
  | pragmaLine
  | declaration
  | operation
  | ';'
  ;

dispinterfaceDecl
  : attributeList? 'dispinterface' identifier '{' dispBody '}' ';'?
  | attributeList? 'dispinterface' identifier ';'
  ;

dispBody
  : 'properties' ':' field* 'methods' ':' (operation | pragmaLine)*
  | 'interface' identifier ';'
  ;

coclassDecl
  : attributeList? 'coclass' identifier body='{' coclassMember* '}' ';'?
  | attributeList? 'coclass' identifier ';'
  ;

coclassMember : attributeList? kind=('interface' | 'dispinterface') identifier ';' ;

libraryDecl : attributeList? 'library' identifier '{' definition* '}' ';'? ;

moduleDecl : attributeList? 'module' identifier '{' interfaceMember* '}' ';'? ;

// ---------------------------------------------------------------- declarations

declaration
  : pre=attributeList? 'typedef' post=attributeList? typeSpec declarator (',' declarator)* ';' # typedefDecl
  | attributeList? 'static'? 'const' typeSpec declarator '=' expression ';'             # constDecl
  | attributeList? taggedTypeSpec ';'                                                   # tagDecl
  | 'extern' typeSpec declarator (',' declarator)* ';'                                  # externDecl
  ;

// A C++ header's pure virtual method (HRESULT F() = 0;) is accepted: the "= 0" says nothing to IDL.
operation
  : attributeList? typeSpec pointer* callingConvention? identifier '(' paramList? ')' ('=' pure=NUMBER)? ';'
  ;

callingConvention : CALL_CONV ;

paramList
  : param (',' param)* (',' '...')?
  ;

// A parameter may be unnamed, with or without pointers: f([out] T *), g(void *, void *).
param
  : attributeList? typeSpec (declarator | abstractPointers+=pointer+)?
  ;

// ---------------------------------------------------------------- types

typeSpec : typeQualifier* typeCore typeQualifier* ;

typeQualifier : 'const' | 'volatile' ;

typeCore
  : baseType
  | taggedTypeSpec
  | 'pipe' typeSpec
  | {nextIsSafearray()}? identifier '(' typeSpec pointer* ')'
  | typeName
  ;

baseType
  : signedness? intKeyword+
  | signedness
  | 'boolean' | 'byte' | 'wchar_t' | 'float' | 'double' | 'void'
  | 'handle_t' | 'error_status_t'
  ;

signedness : 'unsigned' | 'signed' ;

intKeyword
  : 'small' | 'short' | 'long' | 'hyper' | 'int' | 'char'
  | '__int8' | '__int16' | '__int32' | '__int64' | '__int3264'
  ;

taggedTypeSpec
  : structSpec
  | unionSpec
  | enumSpec
  ;

structSpec
  : 'struct' identifier? '{' field* '}'
  | 'struct' identifier
  ;

field
  : attributeList? typeSpec fieldDeclarator (',' fieldDeclarator)* ';'
  | attributeList? taggedTypeSpec ';'
  | attributeList? ';'
  | pragmaLine
  | cppQuote
  ;

fieldDeclarator : declarator (':' expression)? ;

// union U switch (long kind) arm { case 1: ... }     (encapsulated)
// union U { [case(1)] long a; [default] ; }           (non-encapsulated)
unionSpec
  : 'union' tag=identifier? 'switch' '(' typeSpec switchName=identifier ')' armName=identifier? '{' unionCase* '}'
  | 'union' tag=identifier? '{' field* '}'
  | 'union' tag=identifier
  ;

unionCase
  : caseLabel+ unionArm
  ;

caseLabel
  : 'case' expression ':'
  | 'default' ':'
  ;

unionArm
  : attributeList? typeSpec declarator ';'
  | attributeList? ';'
  ;

enumSpec
  : 'enum' identifier? '{' (enumerator (',' enumerator)* ','?)? '}'
  | 'enum' identifier
  ;

enumerator : attributeList? identifier ('=' expression)? ;

declarator
  : pointer* directDeclarator
  ;

pointer : '*' typeQualifier* ;

directDeclarator
  : identifier arraySuffix*                                                      # namedDeclarator
  | identifier '(' paramList? ')'                                               # functionDeclarator
  | '(' callingConvention? pointer+ identifier ')' '(' paramList? ')'             # functionPointerDeclarator
  | '(' declarator ')' arraySuffix*                                             # parenDeclarator
  ;

arraySuffix : '[' (expression | '*')? ']' ;

// ---------------------------------------------------------------- attributes

// Empty positions are allowed anywhere ([, object] and [a,,b]), as in widl.
attributeList : ('[' attribute? (',' attribute?)* ']')+ ;

attribute
  : {nextIsUuidAttribute()}? identifier '(' uuidText ')'
  | {nextIsCustomAttribute()}? identifier '(' customGuid ',' attrArgs ')'
  | attributeName ('(' attrArgs ')')?
  ;

attributeName : identifier | keywordAsAttribute ;

// Attribute names that are also keywords.
keywordAsAttribute : 'default' | 'pipe' | 'case' | 'const' | 'handle_t' | 'switch' ;

uuidText : (~')')+ ;
customGuid : (~(',' | ')'))+ ;

attrArgs : attrArg? (',' attrArg?)* ;

attrArg
  : expression
  | typeSpec declarator?
  ;

// ---------------------------------------------------------------- expressions

expression
  : primaryExpression                                          # primaryExpr
  | expression op=('.' | '->') identifier                    # memberExpr
  | expression '[' expression ']'                              # indexExpr
  | op=('-' | '+' | '~' | '!' | '*' | '&') expression          # unaryExpr
  | '(' typeSpec pointer* ')' expression                       # castExpr
  | 'sizeof' '(' typeSpec pointer* ')'                         # sizeofExpr
  | expression op=('*' | '/' | '%') expression                 # binaryExpr
  | expression op=('+' | '-') expression                       # binaryExpr
  | expression op=('<<' | '>>') expression                     # binaryExpr
  | expression op=('<' | '>' | '<=' | '>=') expression         # binaryExpr
  | expression op=('==' | '!=') expression                     # binaryExpr
  | expression op='&' expression                               # binaryExpr
  | expression op='^' expression                               # binaryExpr
  | expression op='|' expression                               # binaryExpr
  | expression op='&&' expression                              # binaryExpr
  | expression op='||' expression                              # binaryExpr
  | <assoc=right> expression '?' expression ':' expression     # conditionalExpr
  ;

primaryExpression
  : NUMBER
  | CHAR_LITERAL
  | STRING+
  | identifier
  | '(' expression ')'
  ;

// A type by name: FOO, or WinRT's Windows.Foundation.IReference<INT32 *>.
typeName : qualifiedName typeArgs? ;
typeArgs : '<' typeArg (',' typeArg)* '>' ;
typeArg : typeSpec pointer* ;

// Words that are keywords in one place and plain names in another.
identifier
  : IDENTIFIER | 'properties' | 'methods' | 'include'
  | 'namespace' | 'apicontract' | 'delegate' | 'requires'
  ;

// ---------------------------------------------------------------- ACF files

acfFile : acfDefinition* EOF ;

acfDefinition
  : acfInterface
  | acfTypedef
  | importDecl
  | acfInclude
  | cppQuote
  | pragmaLine
  | ';'
  ;

acfInterface : attributeList? 'interface' identifier '{' acfMember* '}' ';'? ;

acfMember
  : acfTypedef
  | acfInclude
  | attributeList? identifier '(' (acfParam (',' acfParam)*)? ')' ';'
  | ';'
  ;

acfTypedef : 'typedef' attributeList identifier (',' identifier)* ';' ;
acfInclude : 'include' STRING (',' STRING)* ';' ;
acfParam : attributeList? identifier ;

// ---------------------------------------------------------------- lexer
// Written out by hand as well, for ASCII text: src/frontend/idl_lexer.cpp (a change here goes there too;
// tests/unit/frontend/idl_lexer_test.cpp compares the two).

PRAGMA_LINE : '#' [ \t]* 'pragma' ~[\r\n]* ;
// Line markers are removed by the preprocessor stage; any other directive left here is an error there.

CALL_CONV
  : '__stdcall' | '_stdcall' | '__cdecl' | '_cdecl' | '__fastcall' | '__pascal' | '__thiscall'
  | 'STDMETHODCALLTYPE' | 'WINAPI' | 'CALLBACK' | 'APIENTRY' | 'STDAPICALLTYPE' | 'RPC_ENTRY'
  ;

// SAL annotations and old far/near decorations carry no meaning for the wire: kept off the parser's channel.
SAL_ANNOTATION
  : ( '__RPC__' [a-zA-Z0-9_]+
    | '_' ('In' | 'Out' | 'Inout' | 'Outptr' | 'Ret' | 'Deref' | 'Pre' | 'Post' | 'Field' | 'Reserved'
          | 'Check_return' | 'Success' | 'Null' | 'Notnull' | 'Maybenull' | 'COM_Outptr' | 'Result') [a-zA-Z_0-9]* '_'
    | '__in' | '__out' | '__inout' | '__in_opt' | '__out_opt' | '__inout_opt' | '__deref_out' | '__deref_out_opt'
    | '__RPC_FAR' | '__RPC_USER' | '__RPC_STUB' | '__RPC_API' | '__far' | '__near' | '__huge'
    ) ( '(' ~[()\r\n]* ( '(' ~[()\r\n]* ')' ~[()\r\n]* )* ')' )?
    -> channel(HIDDEN)
  ;

IDENTIFIER : [a-zA-Z_$] [a-zA-Z_0-9$]* ;

// A C "pp-number": the builder classifies it (decimal, octal, hex, suffixes, floating) and reports bad ones.
NUMBER : ( [0-9] | '.' [0-9] ) ( [0-9a-zA-Z_.] | [eEpP] [+-] )* ;

CHAR_LITERAL : 'L'? '\'' ( ~['\\\r\n] | '\\' ~[\r\n] )+ '\'' ;
STRING : 'L'? '"' ( ~["\\\r\n] | '\\' ~[\r\n] )* '"' ;

BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
LINE_COMMENT : '//' ~[\r\n]* -> channel(HIDDEN) ;
WS : [ \t\r\n\f\u000B]+ -> channel(HIDDEN) ;
// Ctrl-Z, the end-of-file mark of DOS text files: Microsoft's samples end with one. cpp passes it through,
// also from an #include'd file into the middle of its output, so it is skipped wherever it stands.
DOS_EOF : '\u001A' -> channel(HIDDEN) ;

// Anything else is one bad character, reported by the parser with its location instead of a lexer crash.
UNKNOWN_CHAR : . ;
