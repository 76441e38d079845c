import FaxDropDaemon

/// Per-node metrics of `FAXDROP_ASTERISK_NODES` (issue 14).
extension Metrics {
    func nodeSamples(_ nodes: [NodeReport], into out: inout PrometheusText) {
        guard !nodes.isEmpty else { return }
        out.family("faxdrop_node_up", .gauge, "1 while the Asterisk node's AMI session is logged in.")
        for node in nodes { out.sample("faxdrop_node_up", ["node": node.name], node.up ? 1 : 0) }
        out.family("faxdrop_node_channels_in_use", .gauge, "Calls live on the node now.")
        for node in nodes {
            out.sample("faxdrop_node_channels_in_use", ["node": node.name], Double(node.channelsInUse))
        }
        out.family("faxdrop_node_channels_max", .gauge, "The node's max_channels.")
        for node in nodes { out.sample("faxdrop_node_channels_max", ["node": node.name], Double(node.maxChannels)) }
        out.family("faxdrop_node_calls_started_total", .counter, "Calls started on the node.")
        for node in nodes {
            out.sample("faxdrop_node_calls_started_total", ["node": node.name], Double(node.callsStarted))
        }
        out.family(
            "faxdrop_node_calls_ended_total", .counter,
            "Calls ended on the node, by outcome (sent, an error code, or unavailable when not placed).")
        for node in nodes {
            for (outcome, n) in node.outcomes.sorted(by: { $0.key < $1.key }) {
                out.sample("faxdrop_node_calls_ended_total", ["node": node.name, "outcome": outcome], Double(n))
            }
        }
    }
}
