import TractionControlProtocol

/// Lines to requests: parsing, the method and role checks, ordering against
/// the control loop, the methods the server answers itself, and the audit.
extension ControlServer {
    /// Works through a client's waiting requests and unprocessed lines, at
    /// most `linesPerTurn` of them, and stops while its queue is over half full.
    func process(_ client: ClientConnection, now: Double) {
        var budget = Self.linesPerTurn
        while budget > 0, !client.isClosing, clients[client.id] != nil,
              client.queuedBytes <= client.queueLimit / 2,
              client.requestsInFlight < Self.maxRequestsInFlight {
            budget -= 1
            if !client.controlRequestInFlight, let next = client.waitingForControlLoop.popFirst() {
                dispatch(next, from: client)
                continue
            }
            guard let item = client.inbox.popFirst() else { return }
            switch item {
            case .line(let line):
                handleLine(line, from: client)
            case .tooLong:
                let limit = client.framer.maximumLineBytes
                sendAndClose(client, ControlError(.messageTooLarge,
                                                  "a message is longer than \(limit) bytes; closing the connection",
                                                  data: ["max_message_bytes": .number(Double(limit))]), now: now)
            case .incompleteAtEnd:
                sendAndClose(client, ControlError(.messageIncomplete,
                                                  "the connection ended in the middle of a message (no line feed)"),
                             now: now)
            }
        }
    }

    private func handleLine(_ line: [UInt8], from client: ClientConnection) {
        let request: RPCRequest
        switch RPCRequest.parse(line: line) {
        case .success(let parsed):
            request = parsed
        case .failure(let error):
            // Not JSON, or not a JSON-RPC request: answered even without an
            // id, since the server cannot tell it was meant as a notification.
            let id = error.code == .parseError ? nil : RPCRequest.recoverID(line: line)
            enqueue(RPCResponse.encodeLine(id: id, error: error), to: client)
            return
        }
        guard let method = ControlMethod(rawValue: request.method) else {
            answer(request.id, .failure(ControlError(.methodNotFound, "there is no method \"\(request.method)\"",
                                                     data: ["method": .string(request.method)])), to: client)
            return
        }
        guard let role = client.peer.role, role >= method.requiredRole else {
            finish(AcceptedRequest(id: request.id, method: method, params: request.params), on: client,
                   outcome: .failure(permissionDenied(method, role: client.peer.role)))
            return
        }
        let accepted = AcceptedRequest(id: request.id, method: method, params: request.params)
        if isShuttingDown && method != .status && method != .sessionStop {
            finish(accepted, on: client, outcome: .failure(ControlError(
                .shuttingDown, "the daemon is stopping; only status and session.stop are served")))
            return
        }
        switch method {
        case .subscribe:
            let outcome = subscribe(client, params: request.params)
            finish(accepted, on: client, outcome: outcome)
            if case .success = outcome {
                for notification in handler.notificationsForNewSubscriber(topics: client.topics) {
                    enqueue(RPCNotification.encodeLine(method: notification.method, params: notification.params),
                            to: client)
                }
            }
        case .unsubscribe:
            finish(accepted, on: client, outcome: unsubscribe(client, params: request.params))
        case .auditList:
            finish(accepted, on: client, outcome: auditList(params: request.params))
        default:
            if method.waitsForControlLoop && (client.controlRequestInFlight || !client.waitingForControlLoop.isEmpty) {
                guard client.waitingForControlLoop.count < configuration.maxQueuedControlRequests else {
                    let limit = configuration.maxQueuedControlRequests
                    finish(accepted, on: client, outcome: .failure(ControlError(
                        .busy, "\(limit) requests of this connection already wait for the control loop; "
                            + "retry once they are answered")))
                    return
                }
                client.waitingForControlLoop.append(accepted)
            } else {
                dispatch(accepted, from: client)
            }
        }
    }

    /// Hands a request to the handler. A request that waits for the control
    /// loop holds the connection's later ones of its kind until answered;
    /// the others overtake it.
    func dispatch(_ request: AcceptedRequest, from client: ClientConnection) {
        if request.method.waitsForControlLoop { client.controlRequestInFlight = true }
        client.requestsInFlight += 1
        let clientID = client.id
        let peer = client.peer
        var answered = false
        handler.handle(request.method, params: request.params, from: peer) { [weak self] outcome in
            guard let self else { return }
            self.assertOnServiceThread()
            guard !answered else {
                self.logSink(.error, "control: defect: \(request.method.rawValue) was answered twice; the second answer is ignored")
                return
            }
            answered = true
            if let client = self.clients[clientID] {
                client.requestsInFlight -= 1
                if request.method.waitsForControlLoop { client.controlRequestInFlight = false }
            }
            self.finish(request, peer: peer, outcome: outcome, clientID: clientID)
        }
    }

    /// Audits a state-changing request, then answers it if it had an id
    /// and its connection is still open.
    func finish(_ request: AcceptedRequest, peer: PeerIdentity, outcome: Result<JSONValue, ControlError>,
                clientID: UInt64) {
        if request.method.changesState { recordAudit(peer: peer, method: request.method, outcome: outcome) }
        guard let client = clients[clientID] else { return }
        answer(request.id, outcome, to: client)
    }

    private func finish(_ request: AcceptedRequest, on client: ClientConnection,
                        outcome: Result<JSONValue, ControlError>) {
        finish(request, peer: client.peer, outcome: outcome, clientID: client.id)
    }

    private func answer(_ id: RPCID?, _ outcome: Result<JSONValue, ControlError>, to client: ClientConnection) {
        // A request without an id is a JSON-RPC notification: no response.
        guard let id else { return }
        switch outcome {
        case .success(let result): enqueue(RPCResponse.encodeLine(id: id, result: result), to: client)
        case .failure(let error): enqueue(RPCResponse.encodeLine(id: id, error: error), to: client)
        }
    }

    func permissionDenied(_ method: ControlMethod, role: Role?) -> ControlError {
        let required = method.requiredRole
        let groups = configuration.roleGroups[required] ?? []
        let hint = switch groups.count {
        case 0: "no configured group grants it"
        case 1: "join the group \(groups[0])"
        default: "join one of the groups \(groups.joined(separator: ", "))"
        }
        return ControlError(.permissionDenied, "\(method.rawValue) needs the \(required.rawValue) role; \(hint)",
                            data: ["role": role.map { .string($0.rawValue) } ?? .null,
                                   "required_role": .string(required.rawValue),
                                   "groups": .array(groups.map { .string($0) })])
    }

    private func recordAudit(peer: PeerIdentity, method: ControlMethod, outcome: Result<JSONValue, ControlError>) {
        let entry = AuditLog.entry(peer: peer, method: method, outcome: outcome, at: wallClockTimestamp())
        audit.append(entry)
        logSink(.info, AuditLog.line(entry))
    }

    /// The audit list, newest first (what `audit.list` answers).
    public func auditEntries(limit: Int = AuditParams.allowedLimits.upperBound) -> [AuditEntry] {
        audit.newest(limit)
    }

    // MARK: methods the server answers

    private func subscribe(_ client: ClientConnection, params: JSONValue?) -> Result<JSONValue, ControlError> {
        let request: SubscribeParams
        do { request = try ControlJSON.decodeParams(params, as: SubscribeParams.self) } catch { return .failure(error) }
        guard !request.topics.isEmpty else {
            return .failure(ControlJSON.invalid("topics", "must name at least one of telemetry, events, alarms, session"))
        }
        let ceiling = client.loopRateHz > 0 ? client.loopRateHz : Double.greatestFiniteMagnitude
        let hz = request.telemetryHz ?? min(SubscribeParams.defaultTelemetryHz, ceiling)
        guard hz.isFinite, hz > 0, hz <= ceiling else {
            return .failure(ControlJSON.invalid(
                "telemetry_hz", "must be above 0 and at most the loop rate, \(client.loopRateHz.compactText) Hz"))
        }
        client.topics = Set(request.topics)
        client.telemetryHz = hz
        client.lastTelemetryTick = nil
        let topics = Topic.allCases.filter(client.topics.contains)
        return .success(ControlJSON.value(SubscribeResult(topics: topics, telemetryHz: hz)))
    }

    private func unsubscribe(_ client: ClientConnection, params: JSONValue?) -> Result<JSONValue, ControlError> {
        let request: UnsubscribeParams
        do { request = try ControlJSON.decodeParams(params, as: UnsubscribeParams.self) } catch { return .failure(error) }
        if let topics = request.topics {
            client.topics.subtract(topics)
        } else {
            client.topics.removeAll()
        }
        return .success(ControlJSON.value(UnsubscribeResult(topics: Topic.allCases.filter(client.topics.contains))))
    }

    private func auditList(params: JSONValue?) -> Result<JSONValue, ControlError> {
        let request: AuditParams
        do { request = try ControlJSON.decodeParams(params, as: AuditParams.self) } catch { return .failure(error) }
        let limit = request.limit ?? AuditParams.defaultLimit
        let allowed = AuditParams.allowedLimits
        guard allowed.contains(limit) else {
            return .failure(ControlJSON.invalid("limit", "must be from \(allowed.lowerBound) to \(allowed.upperBound)"))
        }
        return .success(ControlJSON.value(AuditResult(entries: audit.newest(limit))))
    }
}
