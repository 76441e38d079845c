import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxMacros

/// `@PublicInit`: the memberwise initializer Swift would synthesise, made `public`.
///
/// Swift writes a struct's memberwise init only as `internal`, so every public value type
/// that another module builds (sidecars, journals, call details) carried a hand-written copy
/// of its property list. This writes that copy by Swift's own rules:
/// - every stored instance property, in declaration order, is a parameter of the same name
///   and type;
/// - a `var` with an initial value takes it as the parameter's default, an optional `var`
///   without one defaults to `nil`;
/// - a `let` with an initial value, a `static` property and a computed one are not parameters.
/// A stored property without a written type is an error: the macro sees syntax, not types.
public struct PublicInitMacro: MemberMacro {
    public static func expansion(
        of node: AttributeSyntax, providingMembersOf declaration: some DeclGroupSyntax,
        conformingTo protocols: [TypeSyntax], in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        guard declaration.is(StructDeclSyntax.self) else {
            throw DiagnosticsError(diagnostics: [Diagnostic(node: node, message: PublicInitMessage.notAStruct)])
        }
        let properties = try declaration.memberBlock.members.flatMap { member in
            try storedProperties(member.decl)
        }
        let parameters = properties.map { property in
            "\(property.name): \(property.type)" + (property.defaultValue.map { " = \($0)" } ?? "")
        }
        let assignments = properties.map { "self.\($0.name) = \($0.name)" }
        let initializer: DeclSyntax = """
            public init(
            \(raw: parameters.joined(separator: ",\n"))
            ) {
            \(raw: assignments.joined(separator: "\n"))
            }
            """
        return [initializer]
    }

    struct Property {
        var name: String
        var type: String
        var defaultValue: String?
    }

    /// The parameters one member declaration contributes (none for anything but stored
    /// instance properties that the init must or may set).
    static func storedProperties(_ decl: DeclSyntax) throws -> [Property] {
        guard let variable = decl.as(VariableDeclSyntax.self) else { return [] }
        let isStatic = variable.modifiers.contains {
            $0.name.tokenKind == .keyword(.static) || $0.name.tokenKind == .keyword(.class)
        }
        if isStatic { return [] }
        let isLet = variable.bindingSpecifier.tokenKind == .keyword(.let)
        return try variable.bindings.compactMap { binding in
            if let accessors = binding.accessorBlock, !observesOnly(accessors) { return nil }
            guard let name = binding.pattern.as(IdentifierPatternSyntax.self)?.identifier.text else { return nil }
            let initialValue = binding.initializer?.value.trimmedDescription
            if isLet && initialValue != nil { return nil }
            guard let type = binding.typeAnnotation?.type else {
                throw DiagnosticsError(diagnostics: [
                    Diagnostic(node: binding, message: PublicInitMessage.untypedProperty(name))
                ])
            }
            let isOptional = type.is(OptionalTypeSyntax.self) || type.trimmedDescription.hasPrefix("Optional<")
            let defaultValue = initialValue ?? (isOptional && !isLet ? "nil" : nil)
            return Property(name: name, type: type.trimmedDescription, defaultValue: defaultValue)
        }
    }

    /// `willSet`/`didSet` keep a property stored; a getter makes it computed.
    static func observesOnly(_ block: AccessorBlockSyntax) -> Bool {
        guard case .accessors(let accessors) = block.accessors else { return false }
        return accessors.allSatisfy {
            $0.accessorSpecifier.tokenKind == .keyword(.willSet) || $0.accessorSpecifier.tokenKind == .keyword(.didSet)
        }
    }
}

enum PublicInitMessage: DiagnosticMessage {
    case notAStruct
    case untypedProperty(String)

    var message: String {
        switch self {
        case .notAStruct: "@PublicInit applies to a struct"
        case .untypedProperty(let name): "@PublicInit needs the type of '\(name)' written out"
        }
    }
    var diagnosticID: MessageID { MessageID(domain: "FaxDropMacros", id: "\(self)") }
    var severity: DiagnosticSeverity { .error }
}
