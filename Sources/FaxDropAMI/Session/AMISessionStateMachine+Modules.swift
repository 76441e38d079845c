/// The module check after login (`Settings.checkModules`): `Getvar` of the dialplan's
/// `FAXDROP_DIAL_TECH`, then one `ModuleCheck` per module `AsteriskModules.required`
/// names, then one `.modulesChecked` report. Calls are not held up by it.
extension AMISessionStateMachine {
    mutating func askDialTechnology(now: Instant) -> Action {
        let id = nextActionID("getvar")
        pending[id] = .dialTechnology
        return send(.getvar(variable: AsteriskModules.dialTechnologyVariable), id: id, now: now)
    }

    mutating func dialTechnologyAnswered(_ response: AMIResponse, now: Instant) -> [Action] {
        let value = response.getvarValue
        // Not readable (no such global, or no write class `call`): the shipped value.
        let technology = value ?? "PJSIP"
        dialTechnology = technology
        let modules = AsteriskModules.required(dialTechnology: technology)
        moduleCheck = (
            AsteriskModuleReport(dialTechnology: technology, technologyFromDialplan: value != nil), Set(modules)
        )
        return modules.map { module in
            let id = nextActionID("modulecheck-\(module)")
            pending[id] = .moduleCheck(module: module)
            return send(.moduleCheck(module: module), id: id, now: now)
        }
    }

    mutating func moduleCheckAnswered(_ module: String, _ answer: ModuleCheckResponse) -> [Action] {
        guard var check = moduleCheck, check.outstanding.remove(module) != nil else { return [] }
        switch answer {
        case .loaded: check.report.loaded.append(module)
        case .notLoaded: check.report.missing.append(module)
        case .cannotTell(let message): check.report.unknown.append((module, message))
        }
        guard check.outstanding.isEmpty else {
            moduleCheck = check
            return []
        }
        moduleCheck = nil
        // In the order `required` lists them, the channel driver first.
        let order = AsteriskModules.required(dialTechnology: check.report.dialTechnology)
        func sorted(_ names: [String]) -> [String] {
            names.sorted { (order.firstIndex(of: $0) ?? .max) < (order.firstIndex(of: $1) ?? .max) }
        }
        check.report.loaded = sorted(check.report.loaded)
        check.report.missing = sorted(check.report.missing)
        return [.modulesChecked(check.report)]
    }
}
