// Placeholder; see Package.swift.
