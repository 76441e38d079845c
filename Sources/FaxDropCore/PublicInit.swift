/// Gives a struct the public memberwise initializer Swift synthesises only as internal: each
/// stored property a parameter in declaration order; a `var`'s initial value, or `nil` for an
/// optional `var`, is its default. For the value types other modules build (sidecars,
/// journals, call details), so their property lists are written once.
@attached(member, names: named(init))
public macro PublicInit() = #externalMacro(module: "FaxDropMacros", type: "PublicInitMacro")
