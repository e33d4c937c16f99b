using System.Diagnostics;
using AdminPortal.Core.Connectors.Auth;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Templates;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Import;

/// <summary>Executes ImportAccountEntJSON (§3): accounts, entitlement types in order, then account↔entitlement links,
/// streaming results to an <see cref="IImportSink"/>. Fails closed: any doubtful page ends the run with
/// <see cref="ImportResult.IsComplete"/> = false and a located <see cref="ImportFailure"/>.</summary>
public sealed class ImportEngine
{
    private readonly ConnectorEngineOptions _options;

    public ImportEngine(ConnectorEngineOptions options) => _options = options;

    public async Task<ImportResult> RunAsync(ConnectorConnection connection, IImportSink sink, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        var run = new Run(_options, connection, sink);
        ImportFailure? failure = null;
        try
        {
            if (connection.Import is null) throw new ImportFailedException(new ImportFailure(ImportFailureKind.Configuration, "ImportAccountEntJSON is empty"));
            if (connection.Connection is null) throw new ImportFailedException(new ImportFailure(ImportFailureKind.Configuration, "ConnectionJSON is empty (it must be supplied decrypted)"));
            await run.ExecuteAsync(ct).ConfigureAwait(false);
        }
        catch (ImportFailedException ex) { failure = ex.Failure; }
        catch (ConnectorConfigException ex) { failure = new ImportFailure(ImportFailureKind.Configuration, ex.Message); }
        catch (AuthException ex) { failure = new ImportFailure(ImportFailureKind.Authentication, ex.Message, HttpStatus: ex.Result?.StatusCode, Url: ex.Result?.Url); }
        catch (ExpressionException ex) { failure = new ImportFailure(ImportFailureKind.Template, ex.Message); }
        if (failure is not null)
        {
            // failure texts may quote response bodies and URLs: mask secrets there as in the records
            failure = failure with { Message = run.Redact(failure.Message), Url = failure.Url is null ? null : run.Redact(failure.Url) };
        }
        return new ImportResult
        {
            IsComplete = failure is null,
            Failure = failure,
            AccountCount = run.AccountCount,
            EntitlementCounts = run.EntitlementCounts,
            LinkCount = run.LinkCount,
            RequestCount = run.Requests,
            Warnings = run.Warnings,
            Duration = sw.Elapsed,
            DoNotChangeIfFailed = (connection.Import?.Accounts?.DoNotChangeIfFailed ?? false) || (connection.Import?.Entitlements?.DoNotChangeIfFailed ?? false),
        };
    }

    private sealed class Run
    {
        private const int MaxWarnings = 200;
        private readonly ConnectorEngineOptions _o;
        private readonly ConnectorConnection _c;
        private readonly IImportSink _sink;
        private readonly SecretRedactor _redactor;
        private readonly CallExecutor _exec;
        private readonly PagedReader _reader;
        private readonly RecordMapper _mapper;
        private AuthSessionPool? _sessions;
        private readonly List<string> _warnings = new();

        // With a sink that resolves links itself (IDeferredLinkSink) nothing below that grows with the accounts or the
        // memberships is kept: memberships stream to the sink with their raw keys.
        private readonly IDeferredLinkSink? _deferred;
        // The account ids (and names) are kept when the engine resolves links itself, or when an httpAcctToEnt call needs
        // the list of accounts to call for; they also drop repeated accounts while streaming (otherwise the sink does).
        private readonly bool _trackAccounts;
        // memberships of the account record being mapped, sent once the account itself has been emitted
        private readonly List<(string Type, string Ent, string EntKeyField)> _recordLinks = new();
        // key indexes kept for link resolution (strings only)
        private readonly HashSet<string> _accountIds = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _accountNameToId = new(StringComparer.Ordinal);
        // Only a link keyed by account name needs the name → id index; at 1M accounts it is ~100 MB, so it is kept only then.
        private readonly bool _needNames;
        // Entitlement ids repeat once per membership (5M times at 1M accounts × 5 links); one instance per distinct id
        // instead of one per membership keeps the pending links a fraction of their size.
        private readonly Dictionary<string, string> _entIdInstances = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Dictionary<string, string?>> _entities = new(StringComparer.Ordinal); // type -> id -> value
        private readonly List<(string Acct, string AcctKeyField, string Type, string Ent, string EntKeyField)> _pendingLinks = new();
        private readonly HashSet<(string, string, string)> _emittedLinks = new();
        private readonly Dictionary<string, long> _entCounts = new(StringComparer.Ordinal);
        private long _unresolvedLinks;

        public Run(ConnectorEngineOptions o, ConnectorConnection c, IImportSink sink)
        {
            _o = o;
            _c = c;
            _acctEntStoreColumn = c.Import?.Accounts?.Calls.SelectMany(x => x.Columns).FirstOrDefault(x => x.StoresAcctEntMapping)?.Column;
            _sink = sink;
            _redactor = new SecretRedactor(o.SecretValues);
            _exec = new CallExecutor(o, _redactor);
            _reader = new PagedReader(o, _redactor);
            _mapper = new RecordMapper(o.ExpressionLimits, Warn);
            _deferred = sink as IDeferredLinkSink;
            var ae = c.Import?.AcctEnt;
            _trackAccounts = _deferred is null
                             || (ae?.Calls.Any(x => string.Equals((x.Call.ProcessingType ?? ae.ProcessingType ?? "").Trim(), "httpAcctToEnt", StringComparison.OrdinalIgnoreCase)) ?? false);
            _needNames = _trackAccounts
                         && ((c.Import?.Entitlements?.Types.Any(t => IsName(t.Members?.KeyField)) ?? false)
                             || (ae?.Calls.Any(x => IsName(x.Call.AcctKeyField)) ?? false));
        }

        private static bool IsName(string? keyField) => string.Equals(keyField, "name", StringComparison.OrdinalIgnoreCase);

        private static bool IsValue(string? keyField) => string.Equals(keyField, "entitlement_value", StringComparison.OrdinalIgnoreCase);

        private string EntIdInstance(string id)
        {
            if (_entIdInstances.TryGetValue(id, out var same)) return same;
            _entIdInstances[id] = id;
            return id;
        }

        public long AccountCount { get; private set; }
        public IReadOnlyDictionary<string, long> EntitlementCounts => _entCounts;
        public long LinkCount { get; private set; }
        public long Requests => _reader.Requests;
        public IReadOnlyList<string> Warnings => _unresolvedLinks > 0 ? _warnings.Append($"{_unresolvedLinks} link(s) referenced unknown accounts or entitlements and were skipped").ToList() : _warnings;

        public string Redact(string text) => _redactor.RedactText(text);

        private void Warn(string w)
        {
            if (_warnings.Count < MaxWarnings) _warnings.Add(w);
        }

        private AuthSession Session(string? profile, string usedBy)
        {
            _sessions ??= new AuthSessionPool(_c.Connection!, _exec, _o);
            return _sessions.Get(profile, usedBy);
        }

        public async Task ExecuteAsync(CancellationToken ct)
        {
            var cfg = _c.Import!;
            if (cfg.Accounts is { } acc) await AccountsAsync(acc, ct).ConfigureAwait(false);
            if (cfg.Entitlements is { } ents)
            {
                foreach (var t in ents.Types) await EntitlementTypeAsync(ents, t, ct).ConfigureAwait(false);
            }
            await LinksAsync(cfg, ct).ConfigureAwait(false);
            if (_deferred is not null)
            {
                var resolved = await _deferred.ResolveDeferredLinksAsync(ct).ConfigureAwait(false);
                LinkCount = resolved.Linked;
                _unresolvedLinks = resolved.Unresolved;
                AccountCount -= resolved.DroppedDuplicateAccounts;
                foreach (var id in resolved.DuplicateAccountIds) Warn($"account '{id}' returned twice; later copy ignored");
            }
        }

        // ------------------------------------------------------------------ accounts
        private async Task AccountsAsync(AccountParams acc, CancellationToken ct)
        {
            var independent = acc.Calls.Where(c => !c.DependentCall).ToList();
            var dependent = acc.Calls.Where(c => c.DependentCall).ToList();
            bool stream = independent.Count <= 1 && dependent.Count == 0;
            var buffer = new Dictionary<string, Dictionary<string, string?>>(StringComparer.Ordinal);
            var order = new List<string>();
            // Several independent calls merge into one record per account: the sink may keep those records instead of memory.
            using var stored = !stream && dependent.Count == 0 && _sink is IAccountRecordStore store ? store.OpenAccountBuffer() : null;
            foreach (var call in independent)
            {
                var session = Session(call.Connection, call.Location);
                long n = 0;
                var projection = ResponseProjectionPlanner.For(call, acc.AcctEntMappings);
                await foreach (var page in _reader.ReadAsync("accountParams", call, session, null, ct, projection).ConfigureAwait(false))
                {
                    foreach (var rec in page.Records)
                    {
                        var cols = _mapper.Map(rec, call.Columns, $"accountParams.{call.Name}");
                        var id = cols.GetValueOrDefault("accountID");
                        if (string.IsNullOrEmpty(id))
                        {
                            Warn($"accountParams.{call.Name} page {page.Number}: record without accountID dropped");
                            continue;
                        }
                        CollectAcctEntMappings(acc, rec, cols);
                        n++;
                        if (stream)
                        {
                            if (_trackAccounts && !_accountIds.Add(id)) Warn($"account '{id}' returned twice; later copy ignored");
                            else await EmitAccountAsync(id, cols, call, ct).ConfigureAwait(false);
                        }
                        else if (stored is not null)
                        {
                            if (stored.Find(id) is { } existing) stored.Store(id, Merge(existing, cols));
                            else stored.Store(id, cols);
                        }
                        else if (buffer.TryGetValue(id, out var existing)) Merge(existing, cols);
                        else { buffer[id] = cols; order.Add(id); }
                        // the memberships of a later copy of a streamed account still count (as they always did)
                        await FlushRecordLinksAsync(id, ct).ConfigureAwait(false);
                    }
                    await _sink.OnProgressAsync(new ImportProgress("accounts", call.Name, page.Number, n, _redactor.RedactText(page.Url)), ct).ConfigureAwait(false);
                }
            }
            if (stream) return;
            var first = independent.FirstOrDefault();
            if (stored is not null)
            {
                foreach (var (id, cols) in stored.ReadAll())
                {
                    if (_trackAccounts) _accountIds.Add(id);
                    await EmitAccountAsync(id, cols, first, ct).ConfigureAwait(false);
                }
                return;
            }
            foreach (var call in dependent)
            {
                var session = Session(call.Connection, call.Location);
                long done = 0;
                foreach (var id in order)
                {
                    var cols = buffer[id];
                    var keyField = call.NextApiKeyField ?? call.KeyField ?? "accountID";
                    var key = cols.GetValueOrDefault(keyField) ?? id;
                    var b = new Bindings().Set("accountName", key).Set("accountID", id).Set("id", key).Set("name", cols.GetValueOrDefault("name"))
                        .Set("account", cols.ToDictionary(k => k.Key, k => (object?)k.Value));
                    await foreach (var page in _reader.ReadAsync("accountParams", call, session, b, ct).ConfigureAwait(false))
                    {
                        foreach (var rec in page.Records)
                        {
                            foreach (var kv in _mapper.Map(rec, call.Columns, $"accountParams.{call.Name}", b))
                                if (!string.Equals(kv.Key, "accountID", StringComparison.OrdinalIgnoreCase)) cols[kv.Key] = kv.Value;
                            CollectAcctEntMappings(acc, rec, cols);
                            await FlushRecordLinksAsync(id, ct).ConfigureAwait(false);
                        }
                    }
                    done++;
                    if (done % 100 == 0) await _sink.OnProgressAsync(new ImportProgress("accounts", call.Name, 0, done, null), ct).ConfigureAwait(false);
                }
            }
            foreach (var id in order)
            {
                if (_trackAccounts) _accountIds.Add(id);
                await EmitAccountAsync(id, buffer[id], first, ct).ConfigureAwait(false);
            }
        }

        /// <summary>A later record of the same account: its non-null values win, keys it lacks are kept.</summary>
        private static Dictionary<string, string?> Merge(Dictionary<string, string?> existing, Dictionary<string, string?> cols)
        {
            foreach (var kv in cols) if (kv.Value is not null || !existing.ContainsKey(kv.Key)) existing[kv.Key] = kv.Value;
            return existing;
        }

        /// <summary>Sends (or keeps, for resolution after the entitlements) the memberships collected from one account record.</summary>
        private async ValueTask FlushRecordLinksAsync(string accountId, CancellationToken ct)
        {
            if (_recordLinks.Count == 0) return;
            foreach (var (type, ent, keyField) in _recordLinks)
            {
                if (_deferred is not null) await _deferred.OnUnresolvedLinkAsync(accountId, false, type, ent, IsValue(keyField), ct).ConfigureAwait(false);
                else _pendingLinks.Add((accountId, "accountID", type, EntIdInstance(ent), keyField));
            }
            _recordLinks.Clear();
        }

        private void CollectAcctEntMappings(AccountParams acc, JToken rec, Dictionary<string, string?> cols)
        {
            if (acc.AcctEntMappings.Count == 0) return;
            foreach (var m in acc.AcctEntMappings)
            {
                // distinct ids in first-seen order, in buffers reused for every record (a million records per run)
                _recordIds.Clear();
                _recordIdSet.Clear();
                foreach (var e in RecordMapper.MembershipIds(rec, m.ListPath, m.IdPath))
                {
                    if (_recordIdSet.Add(e)) _recordIds.Add(e);
                }

                foreach (var e in _recordIds) _recordLinks.Add((m.EntitlementType, e, m.KeyField));
                if (_recordIds.Count > 0 && _acctEntStoreColumn is not null)
                {
                    // a later mapping of the same type replaces the earlier one in place
                    var entry = (m.EntitlementType, _recordIds.ToArray(), m.KeyField);
                    var at = _recordInfo.FindIndex(x => x.Type == m.EntitlementType);
                    if (at >= 0) _recordInfo[at] = entry;
                    else _recordInfo.Add(entry);
                }

                if (m.ImportAsEntitlement)
                {
                    foreach (var e in _recordIds)
                    {
                        if (!_entities.TryGetValue(m.EntitlementType, out var known)) _entities[m.EntitlementType] = known = new Dictionary<string, string?>(StringComparer.Ordinal);
                        known.TryAdd(e, e);
                    }
                }
            }

            if (_recordInfo.Count > 0)
            {
                cols[_acctEntStoreColumn!] = RecordMapper.MembershipInfoJson(_recordInfo);
                _recordInfo.Clear();
            }
        }

        // The column that keeps the memberships as JSON (STORE#ACC#ENT#MAPPINGINFO), if the connector maps one.
        private readonly string? _acctEntStoreColumn;
        private readonly List<string> _recordIds = [];
        private readonly HashSet<string> _recordIdSet = new(StringComparer.Ordinal);
        private readonly List<(string Type, string[] Ids, string? KeyField)> _recordInfo = [];

        private async Task EmitAccountAsync(string id, Dictionary<string, string?> cols, ImportCall? call, CancellationToken ct)
        {
            var name = cols.GetValueOrDefault("name");
            if (name is null) { name = id; Warn($"account '{id}' has no 'name'; accountID used"); cols["name"] = id; }
            if (_needNames) _accountNameToId.TryAdd(name, id);
            var status = AccountStatusOf(cols, call);
            AccountCount++;
            await _sink.OnAccountAsync(new ImportedAccount(id, name, cols, status, RecordHash.Compute(cols)), ct).ConfigureAwait(false);
        }

        private AccountImportStatus AccountStatusOf(Dictionary<string, string?> cols, ImportCall? call)
        {
            var st = _c.StatusThreshold;
            if (st?.StatusColumn is { Length: > 0 } col && (st.ActiveStatus.Count > 0 || st.InactiveStatus.Count > 0))
            {
                var v = cols.GetValueOrDefault(col);
                if (v is not null && st.ActiveStatus.Contains(v, StringComparer.Ordinal)) return AccountImportStatus.Active;
                if (st.ActiveStatus.Count > 0) return AccountImportStatus.Inactive;
                return v is not null && st.InactiveStatus.Contains(v, StringComparer.Ordinal) ? AccountImportStatus.Inactive : AccountImportStatus.Active;
            }
            if (call is not null && call.StatusConfig.Count > 0)
            {
                var v = cols.GetValueOrDefault("status");
                if (call.StatusConfig.TryGetValue("active", out var a) && v == a) return AccountImportStatus.Active;
                if (call.StatusConfig.TryGetValue("inactive", out var i) && v == i) return AccountImportStatus.Inactive;
                return call.StatusConfig.ContainsKey("active") ? AccountImportStatus.Inactive : AccountImportStatus.Active;
            }
            return AccountImportStatus.Unknown;
        }

        // ------------------------------------------------------------------ entitlements
        private async Task EntitlementTypeAsync(EntitlementParams ents, EntitlementTypeParams type, CancellationToken ct)
        {
            _emittedTypes.Add(type.Name);
            await _sink.OnEntitlementTypeAsync(new ImportedEntitlementType(type.Name, type.Order, type.Labels), ct).ConfigureAwait(false);
            if (!_entities.TryGetValue(type.Name, out var known)) _entities[type.Name] = known = new Dictionary<string, string?>(StringComparer.Ordinal);
            var section = $"entitlementParams.{type.Name}";
            var independent = type.Calls.Where(c => !IsDependent(c)).ToList();
            var merging = type.Calls.Where(c => IsDependent(c) && (c.EntitlementName is null || c.EntitlementName == type.Name)).ToList();
            var crossType = type.Calls.Where(c => IsDependent(c) && c.EntitlementName is not null && c.EntitlementName != type.Name).ToList();
            bool stream = merging.Count == 0 && independent.Count <= 1;
            var buffer = new Dictionary<string, Dictionary<string, string?>>(StringComparer.Ordinal);
            var order = new List<string>();

            async Task AddAsync(Dictionary<string, string?> cols, JToken rec, ImportCall call, int page)
            {
                var id = cols.GetValueOrDefault("entitlementID");
                if (string.IsNullOrEmpty(id)) { Warn($"{section}.{call.Name} page {page}: record without entitlementID dropped"); return; }
                await CollectMembersAsync(type, rec, id, ct).ConfigureAwait(false);
                if (stream)
                {
                    if (!_emittedEnt.Add((type.Name, id))) { Warn($"entitlement '{type.Name}/{id}' returned twice; later copy ignored"); return; }
                    await EmitEntitlementAsync(type.Name, id, cols, known, ct).ConfigureAwait(false);
                }
                else if (buffer.TryGetValue(id, out var existing)) Merge(existing, cols);
                else { buffer[id] = cols; order.Add(id); }
            }

            foreach (var call in independent)
            {
                var session = Session(call.Connection ?? ents.Connection, call.Location);
                long n = 0;
                var projection = ResponseProjectionPlanner.For(call, type.Members is { } members ? [members] : []);
                await foreach (var page in _reader.ReadAsync(section, call, session, null, ct, projection).ConfigureAwait(false))
                {
                    foreach (var rec in page.Records)
                    {
                        await AddAsync(_mapper.Map(rec, call.Columns, $"{section}.{call.Name}"), rec, call, page.Number).ConfigureAwait(false);
                        n++;
                    }
                    await _sink.OnProgressAsync(new ImportProgress("entitlements:" + type.Name, call.Name, page.Number, n, _redactor.RedactText(page.Url)), ct).ConfigureAwait(false);
                }
            }
            foreach (var call in crossType)
            {
                var session = Session(call.Connection ?? ents.Connection, call.Location);
                var parents = _entities.TryGetValue(call.EntitlementName!, out var pk) ? pk.ToList() : new List<KeyValuePair<string, string?>>();
                foreach (var parent in parents)
                {
                    var b = EntBindings(parent.Key, parent.Value);
                    await foreach (var page in _reader.ReadAsync(section, call, session, b, ct).ConfigureAwait(false))
                        foreach (var rec in page.Records)
                            await AddAsync(_mapper.Map(rec, call.Columns, $"{section}.{call.Name}", b), rec, call, page.Number).ConfigureAwait(false);
                }
            }
            if (stream) return;
            foreach (var call in merging)
            {
                var session = Session(call.Connection ?? ents.Connection, call.Location);
                foreach (var id in order)
                {
                    var cols = buffer[id];
                    var b = EntBindings(id, cols.GetValueOrDefault("entitlement_value"));
                    await foreach (var page in _reader.ReadAsync(section, call, session, b, ct).ConfigureAwait(false))
                    {
                        foreach (var rec in page.Records)
                        {
                            foreach (var kv in _mapper.Map(rec, call.Columns, $"{section}.{call.Name}", b))
                                if (!string.Equals(kv.Key, "entitlementID", StringComparison.OrdinalIgnoreCase)) cols[kv.Key] = kv.Value;
                            await CollectMembersAsync(type, rec, id, ct).ConfigureAwait(false);
                        }
                    }
                }
            }
            foreach (var id in order)
            {
                _emittedEnt.Add((type.Name, id));
                await EmitEntitlementAsync(type.Name, id, buffer[id], known, ct).ConfigureAwait(false);
            }
        }

        private readonly HashSet<(string, string)> _emittedEnt = new();
        private readonly HashSet<string> _emittedTypes = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Dictionary<string, string>> _entValueToId = new(StringComparer.Ordinal);

        private static bool IsDependent(ImportCall c) => c.DependentCall || c.EntitlementName is not null;

        private static Bindings EntBindings(string id, string? value) => new Bindings().Set("entitlementID", id).Set("id", id).Set("entitlement_value", value ?? id)
            .Set("entitlementValue", new Dictionary<string, object?> { ["entitlementID"] = id, ["entitlement_value"] = value ?? id });

        private async ValueTask CollectMembersAsync(EntitlementTypeParams type, JToken rec, string entId, CancellationToken ct)
        {
            if (type.Members is not { } m) return;
            foreach (var acct in RecordMapper.MembershipIds(rec, m.ListPath, m.IdPath))
            {
                if (_deferred is not null) await _deferred.OnUnresolvedLinkAsync(acct, IsName(m.KeyField), type.Name, entId, false, ct).ConfigureAwait(false);
                else _pendingLinks.Add((_accountIds.TryGetValue(acct, out var same) ? same : acct, m.KeyField, type.Name, entId, "entitlementID"));
            }
        }

        private async Task EmitEntitlementAsync(string type, string id, Dictionary<string, string?> cols, Dictionary<string, string?> known, CancellationToken ct)
        {
            var value = cols.GetValueOrDefault("entitlement_value");
            if (value is null) { cols["entitlement_value"] = id; value = id; Warn($"entitlement '{type}/{id}' has no entitlement_value; entitlementID used"); }
            known[id] = value;
            if (!_entValueToId.TryGetValue(type, out var rev)) _entValueToId[type] = rev = new Dictionary<string, string>(StringComparer.Ordinal);
            rev.TryAdd(value, id);
            _entCounts[type] = _entCounts.GetValueOrDefault(type) + 1;
            await _sink.OnEntitlementAsync(new ImportedEntitlement(type, id, value, cols, RecordHash.Compute(cols)), ct).ConfigureAwait(false);
        }

        // ------------------------------------------------------------------ links
        private async Task LinksAsync(ImportConfig cfg, CancellationToken ct)
        {
            // entitlements referenced only through importAsEntitlement
            foreach (var m in cfg.Accounts?.AcctEntMappings ?? Array.Empty<MembershipMapping>())
            {
                if (!m.ImportAsEntitlement || !_entities.TryGetValue(m.EntitlementType, out var known)) continue;
                if (_emittedTypes.Add(m.EntitlementType))
                    await _sink.OnEntitlementTypeAsync(new ImportedEntitlementType(m.EntitlementType, int.MaxValue, new Dictionary<string, string>()), ct).ConfigureAwait(false);
                foreach (var kv in known.ToList())
                {
                    if (!_emittedEnt.Add((m.EntitlementType, kv.Key))) continue;
                    var cols = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["entitlementID"] = kv.Key, ["entitlement_value"] = kv.Value };
                    await EmitEntitlementAsync(m.EntitlementType, kv.Key, cols, known, ct).ConfigureAwait(false);
                }
            }
            foreach (var l in _pendingLinks) await EmitLinkAsync(l.Acct, l.AcctKeyField, l.Type, l.Ent, l.EntKeyField, ct).ConfigureAwait(false);
            _pendingLinks.Clear();

            if (cfg.AcctEnt is not { } ae) return;
            foreach (var (type, call) in ae.Calls)
            {
                var mode = (call.ProcessingType ?? ae.ProcessingType ?? "").Trim();
                var section = $"acctEntParams.{type}";
                var session = call.Http is null ? null : Session(call.Connection ?? ae.Connection, call.Location);
                switch (mode.ToLowerInvariant())
                {
                    case "httpenttoacct":
                    {
                        var ents = _entities.TryGetValue(type, out var k) ? k.ToList() : new List<KeyValuePair<string, string?>>();
                        var entKey = call.EntKeyField ?? "entitlementID";
                        foreach (var e in ents)
                        {
                            var idValue = string.Equals(entKey, "entitlement_value", StringComparison.OrdinalIgnoreCase) ? e.Value ?? e.Key : e.Key;
                            var b = EntBindings(e.Key, e.Value).Set("id", idValue);
                            await foreach (var page in _reader.ReadAsync(section, call, session!, b, ct).ConfigureAwait(false))
                                foreach (var rec in page.Records)
                                    foreach (var acct in IdsAt(rec, call.AcctIdPath))
                                        await EmitLinkAsync(acct, call.AcctKeyField ?? "accountID", type, e.Key, "entitlementID", ct).ConfigureAwait(false);
                        }
                        break;
                    }
                    case "httpaccttoent":
                    {
                        var acctKey = call.AcctKeyField ?? "accountID";
                        var accounts = IsName(acctKey)
                            ? _accountNameToId.Select(kv => (Id: kv.Value, Key: kv.Key)).ToList()
                            : _accountIds.Select(x => (Id: x, Key: x)).ToList();
                        foreach (var (id, key) in accounts)
                        {
                            var b = new Bindings().Set("id", key).Set("accountID", id).Set("accountName", key);
                            await foreach (var page in _reader.ReadAsync(section, call, session!, b, ct).ConfigureAwait(false))
                                foreach (var rec in page.Records)
                                    foreach (var ent in IdsAt(rec, call.EntIdPath))
                                        await EmitLinkAsync(id, "accountID", type, ent, call.EntKeyField ?? "entitlementID", ct).ConfigureAwait(false);
                        }
                        break;
                    }
                    case "http":
                    {
                        await foreach (var page in _reader.ReadAsync(section, call, session!, null, ct).ConfigureAwait(false))
                        {
                            foreach (var rec in page.Records)
                            {
                                var accts = IdsAt(rec, call.AcctIdPath).ToList();
                                foreach (var ent in IdsAt(rec, call.EntIdPath))
                                    foreach (var acct in accts)
                                        await EmitLinkAsync(acct, call.AcctKeyField ?? "accountID", type, ent, call.EntKeyField ?? "entitlementID", ct).ConfigureAwait(false);
                            }
                            await _sink.OnProgressAsync(new ImportProgress("links:" + type, call.Name, page.Number, LinkCount, _redactor.RedactText(page.Url)), ct).ConfigureAwait(false);
                        }
                        break;
                    }
                    case "accttoentmapping":
                    case "enttoacctmapping":
                        break; // handled from the account / entitlement records
                    default:
                        throw new ImportFailedException(new ImportFailure(ImportFailureKind.Configuration,
                            $"unknown processingType '{mode}' (expected acctToEntMapping, entToAcctMapping, httpEntToAcct, httpAcctToEnt or http)", section, call.Name));
                }
            }
        }

        private static IEnumerable<string> IdsAt(JToken rec, string? path)
        {
            var t = string.IsNullOrEmpty(path) ? rec : JsonPaths.Select(rec, path);
            if (t is JArray a) return a.Select(x => JsonPaths.ToText(x)).Where(x => !string.IsNullOrEmpty(x)).Select(x => x!);
            var s = t is JObject ? null : JsonPaths.ToText(t);
            return string.IsNullOrEmpty(s) ? Array.Empty<string>() : new[] { s };
        }

        private async Task EmitLinkAsync(string acct, string acctKeyField, string type, string ent, string entKeyField, CancellationToken ct)
        {
            if (_deferred is not null)
            {
                await _deferred.OnUnresolvedLinkAsync(acct, IsName(acctKeyField), type, ent, IsValue(entKeyField), ct).ConfigureAwait(false);
                return;
            }
            string? accountId = IsName(acctKeyField)
                ? _accountNameToId.GetValueOrDefault(acct)
                : _accountIds.Contains(acct) ? acct : null;
            string? entId = null;
            if (_entities.TryGetValue(type, out var known))
            {
                if (IsValue(entKeyField))
                    entId = _entValueToId.TryGetValue(type, out var rev) ? rev.GetValueOrDefault(ent) : null;
                else if (known.ContainsKey(ent)) entId = ent;
            }
            if (accountId is null || entId is null) { _unresolvedLinks++; return; }
            if (!_emittedLinks.Add((accountId, type, entId))) return;
            LinkCount++;
            await _sink.OnLinkAsync(new ImportedLink(accountId, type, entId), ct).ConfigureAwait(false);
        }
    }
}
