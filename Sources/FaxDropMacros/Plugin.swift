import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plugin that carries FaxDrop's macros; it runs at build time only and is
/// linked into no FaxDrop binary.
@main
struct FaxDropMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [PublicInitMacro.self]
}
