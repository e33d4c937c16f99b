using AdminPortal.Core.Connectors.Auth;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Import;
using AdminPortal.Core.Connectors.Templates;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Provisioning;

/// <summary>Executes one provisioning JSON (§6) for one task: selects the calls, runs them in order with the §6.5 bindings
/// through the call's auth profile (token acquisition, expiry detection, refresh + retry, write-back — the same
/// <see cref="AuthSession"/> the import uses), judges every response by its success/unsuccess criteria, stops at the first
/// failure and reads <c>accountIdPath</c>/<c>responseColsToPropsMap</c>. Never throws except for cancellation.</summary>
public sealed class ProvisioningEngine
{
    private readonly ConnectorEngineOptions _options;

    public ProvisioningEngine(ConnectorEngineOptions options) => _options = options;

    /// <summary>Runs one task in a session of its own (tokens start from the connection's ConnectionJSON).</summary>
    public Task<ProvisioningResult> RunAsync(ConnectorConnection connection, ProvisioningRequest request, CancellationToken ct = default)
        => new ProvisioningSession(_options, connection).RunAsync(request, ct);
}

/// <summary>Runs provisioning tasks of one connection with shared auth state: a token obtained (or refreshed) by one task is
/// used by the next, and <c>apiRateLimitConfig</c> counts calls across tasks. Each result still carries only its own
/// task's exchanges. Tasks may run one after the other or concurrently. Open one per batch (e.g. a WSRETRY run) through
/// <see cref="ConnectorEngine.OpenProvisioningSession"/>; it holds no unmanaged resources.</summary>
public sealed class ProvisioningSession
{
    private readonly ConnectorEngineOptions _options;
    private readonly TaskExchangeRecorder _recorder;
    private readonly SecretRedactor _redactor;
    private readonly CallExecutor _exec;
    private readonly object _gate = new();
    private AuthSessionPool? _pool;

    internal ProvisioningSession(ConnectorEngineOptions options, ConnectorConnection connection)
    {
        _recorder = new TaskExchangeRecorder(options.Recorder);
        _options = options.AlsoRecordingTo(_recorder, replaceHostRecorder: true);
        _redactor = new SecretRedactor(options.SecretValues);
        _exec = new CallExecutor(_options, _redactor);
        Connection = connection;
    }

    public ConnectorConnection Connection { get; }

    internal AuthSessionPool Pool(ConnectionDefinition definition)
    {
        lock (_gate) return _pool ??= new AuthSessionPool(definition, _exec, _options);
    }

    /// <summary>Runs one provisioning task. Never throws except for cancellation.</summary>
    public async Task<ProvisioningResult> RunAsync(ProvisioningRequest request, CancellationToken ct = default)
    {
        var local = new InMemoryExchangeRecorder();
        _recorder.Current = local; // flows with this task's async calls only
        _redactor.AddSecret(request.Password);
        var run = new ProvisioningRun(_options, _redactor, this, request);
        ProvisioningOutcome result;
        try
        {
            result = await run.ExecuteAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // safety net: the contract is "never throws except for cancellation"
            var attr = ProvisioningConfig.AttributeFor(request.Operation);
            result = new ProvisioningOutcome { Error = $"{attr}: unexpected engine error ({ex.GetType().Name}): {ex.Message}", ErrorSignature = $"{attr}: engine error {ex.GetType().Name}" };
        }
        return new ProvisioningResult
        {
            Success = result.Success,
            NotConfigured = result.NotConfigured,
            Error = result.Error is null ? null : _redactor.RedactText(result.Error),
            ErrorSignature = result.ErrorSignature,
            Retryable = result.Retryable,
            RetryAfter = result.RetryAfter,
            AnyCallSent = run.AnyCallSent,
            AccountId = result.AccountId,
            AccountProperties = result.AccountProperties,
            Exchanges = local.Exchanges,
            Warnings = run.Warnings,
            Calls = run.ProvisioningOutcomes,
        };
    }

    /// <summary>Forwards every exchange to the host's recorder and to the recorder of the task whose async flow made it.</summary>
    private sealed class TaskExchangeRecorder(IExchangeRecorder host) : IExchangeRecorder
    {
        private readonly AsyncLocal<InMemoryExchangeRecorder?> _current = new();

        public InMemoryExchangeRecorder? Current
        {
            get => _current.Value;
            set => _current.Value = value;
        }

        public void Record(HttpExchange exchange)
        {
            host.Record(exchange);
            _current.Value?.Record(exchange);
        }
    }
}

/// <summary>What a run decided (internal; mapped to <see cref="ProvisioningResult"/>).</summary>
internal sealed record ProvisioningOutcome
{
    public bool Success { get; init; }
    public bool NotConfigured { get; init; }
    public string? Error { get; init; }
    public string? ErrorSignature { get; init; }
    public bool Retryable { get; init; }
    public TimeSpan? RetryAfter { get; init; }
    public string? AccountId { get; init; }
    public IReadOnlyDictionary<string, string?> AccountProperties { get; init; } = new Dictionary<string, string?>();
}

/// <summary>One task: call selection, execution, judging and result reading.</summary>
internal sealed class ProvisioningRun
{
    private readonly ConnectorEngineOptions _o;
    private readonly SecretRedactor _redactor;
    private readonly ProvisioningSession _session;
    private readonly ConnectorConnection _c;
    private readonly ProvisioningRequest _r;
    private readonly string _attr;
    private readonly List<string> _warnings = new();
    private readonly List<ProvisioningCallOutcome> _outcomes = new();
    private bool _anySent;

    public ProvisioningRun(ConnectorEngineOptions o, SecretRedactor redactor, ProvisioningSession session, ProvisioningRequest r)
    {
        _o = o;
        _redactor = redactor;
        _session = session;
        _c = session.Connection;
        _r = r;
        _attr = ProvisioningConfig.AttributeFor(r.Operation);
    }

    public bool AnyCallSent => _anySent;
    public IReadOnlyList<string> Warnings => _warnings;
    public IReadOnlyList<ProvisioningCallOutcome> ProvisioningOutcomes => _outcomes;

    private TemplateRenderOptions Plain => new() { Limits = _o.ExpressionLimits };

    public async Task<ProvisioningOutcome> ExecuteAsync(CancellationToken ct)
    {
        ProvisioningConfig? config;
        try
        {
            config = _c.GetProvisioning(_r.Operation);
        }
        catch (ConnectorConfigException ex)
        {
            return ConfigError(ex.Message);
        }
        if (config is null)
            return new ProvisioningOutcome { Success = false, NotConfigured = true, Error = $"the connection defines no {_attr}", ErrorSignature = $"{_attr}: not configured" };
        _warnings.AddRange(config.Warnings);
        var (calls, notConfigured) = CallSelector.Select(config, _r.Operation, _r.EntitlementTypeName);
        if (notConfigured is not null)
            return new ProvisioningOutcome { Success = false, NotConfigured = true, Error = notConfigured, ErrorSignature = $"{_attr}: not configured" + (_r.EntitlementTypeName is { } t ? $" for entitlement type {t}" : "") };
        if (_c.Connection is null) return ConfigError("ConnectionJSON is empty (it must be supplied decrypted)");

        var pool = _session.Pool(_c.Connection);
        string? accountName;
        try
        {
            accountName = ProvisioningBindings.ComputeAccountName(_r, _o.ExpressionLimits);
        }
        catch (ExpressionException ex)
        {
            return new ProvisioningOutcome { Error = $"{_attr}: account name rule: {ex.Message}", ErrorSignature = $"{_attr}: template error in the account name rule" };
        }
        var registry = new ResponseRegistry(config.Calls.Select(c => c.Name));
        var bindings = ProvisioningBindings.Build(_r, accountName, registry.Root);

        int executed = 0;
        foreach (var call in calls)
        {
            AuthSession session;
            try
            {
                session = pool.Get(call.Connection, $"{call.Location} (call '{call.Name}')", _attr);
            }
            catch (ConnectorConfigException ex)
            {
                return ConfigError(ex.Message);
            }

            try
            {
                if (call.CallCondition is { } cond && !ConditionHolds(cond, session.BindingsFor(bindings)))
                {
                    _outcomes.Add(new ProvisioningCallOutcome(call.Name, call.Index, null, true, true, "callCondition is false"));
                    continue;
                }
            }
            catch (ExpressionException ex)
            {
                return TemplateError(call, "callCondition", ex);
            }
            IReadOnlyList<JToken?> elements;
            try
            {
                elements = call.CallListPath is { } listPath ? ListElements(listPath, session.BindingsFor(bindings)) : [null];
            }
            catch (ExpressionException ex)
            {
                return TemplateError(call, "callListPath", ex);
            }
            if (elements.Count == 0)
            {
                _outcomes.Add(new ProvisioningCallOutcome(call.Name, call.Index, null, true, true, $"callListPath '{call.CallListPath}' has no elements"));
                continue;
            }

            int n = 0;
            foreach (var element in elements)
            {
                n++;
                IBindingContext callBindings = bindings;
                if (call.CallListPath is not null) callBindings = new Bindings(bindings).Set("childresponse", element);
                var purpose = $"{_attr}.{call.Name}" + (call.CallListPath is null ? "" : $" element {n}/{elements.Count}");
                HttpCallResult result;
                bool handedToHttp = false;
                try
                {
                    result = await session.ExecuteAsync(b =>
                    {
                        var req = RequestBuilder.Prepare(call.Http, b, _o.JsonEscapeBodyValues, _o.ExpressionLimits, profileBaseUrl: session.Profile.BaseUrl);
                        handedToHttp = true;
                        return req;
                    }, callBindings, purpose, ct).ConfigureAwait(false);
                }
                catch (ExpressionException ex)
                {
                    if (handedToHttp) _anySent = true; // a retry after a token refresh failed to render; the first attempt went out
                    return TemplateError(call, "request template (url, httpMethod, httpHeaders or httpParams)", ex);
                }
                catch (AuthException ex)
                {
                    if (handedToHttp) _anySent = true;
                    return AuthError(call, ex);
                }
                // an unusable URL (relative without a base URL, malformed) never leaves the portal
                if (handedToHttp && !IsInvalidRequest(result)) _anySent = true;
                executed++;
                registry.Register(call.Name, result);
                var failure = Judge(call, result, session.BindingsFor(callBindings), session);
                if (failure is not null) return failure;
            }
        }
        if (executed == 0) _warnings.Add($"every call of {_attr} was skipped (callCondition false or empty callListPath); nothing was sent");
        return Finish(config, registry, bindings, accountName);
    }

    // ---------------------------------------------------------------- judging

    private static bool IsInvalidRequest(HttpCallResult r) => r.TransportError is InvalidOperationException or UriFormatException;

    private ProvisioningOutcome? Judge(ProvisioningCall call, HttpCallResult r, IBindingContext b, AuthSession session)
    {
        var path = ProvisioningFailures.PathTemplate(call.Http.Url);
        string where = $"{_attr} call '{call.Name}'";
        if (IsInvalidRequest(r))
        {
            Record(call, null, false, "invalid request");
            return new ProvisioningOutcome
            {
                Error = $"{where}: the request could not be sent: {r.TransportError!.Message} — {r.Method} {r.Url}",
                ErrorSignature = $"{_attr} {call.Name}: invalid request {r.Method} {path}",
            };
        }
        if (r.TransportError is { } te)
        {
            Record(call, null, false, "transport error");
            return new ProvisioningOutcome
            {
                Error = $"{where}: request failed ({te.GetType().Name}): {te.Message} — {r.Method} {r.Url}",
                ErrorSignature = $"{_attr} {call.Name}: transport error {r.Method} {path}",
                Retryable = true,
            };
        }
        int status = r.StatusCode!.Value;
        string? problem = null;
        if (r.BodyTooLarge) problem = $"HTTP {status}: response body larger than {_o.MaxResponseBytes} bytes";
        else if (status is >= 300 and < 400)
            problem = $"redirect (HTTP {status}) to {(r.Headers.TryGetValue("Location", out var loc) ? loc : "?")} — possibly a login page";
        else if (r.LooksLikeHtml && status is >= 200 and < 300)
            problem = $"HTTP {status} but HTML was received where JSON was expected (login page or proxy error?)";
        else
        {
            CriteriaOutcome verdict;
            try
            {
                verdict = SuccessCriteria.Evaluate(status, r.Json, call.SuccessResponses, call.UnsuccessResponses,
                    v => TemplateScanner.HasExpression(v) ? TemplateRenderer.Render(v, b, Plain) : v);
            }
            catch (ExpressionException ex)
            {
                Record(call, status, false, "template error in success criteria");
                return TemplateError(call, "successResponses/unsuccessResponses", ex);
            }
            if (verdict.Success)
            {
                Record(call, status, true, verdict.Reason);
                return null;
            }
            problem = verdict.Reason;
            if (status is 401 or 403 && session.IsAuthFailure(r)) problem += " (authentication still failing after token refresh)";
        }
        Record(call, status, false, problem);
        var body = r.BodySnippet();
        return new ProvisioningOutcome
        {
            Error = $"{where}: {problem} — {r.Method} {r.Url}" + (body.Length > 0 ? $": {body}" : ""),
            ErrorSignature = $"{_attr} {call.Name}: HTTP {status} {r.Method} {path}" + (status is >= 200 and < 300 ? " (response criteria)" : ""),
            Retryable = ProvisioningFailures.IsRetryableStatus(status),
            RetryAfter = ProvisioningFailures.RetryAfter(r.Headers, _o.TimeProvider.GetUtcNow()),
        };
    }

    private void Record(ProvisioningCall call, int? status, bool ok, string detail)
        => _outcomes.Add(new ProvisioningCallOutcome(call.Name, call.Index, status, ok, false, _redactor.RedactText(detail)));

    private bool ConditionHolds(string condition, IBindingContext b)
    {
        var text = condition.Trim();
        object? v = TemplateScanner.HasExpression(text)
            ? TemplateRenderer.EvaluateValue(text, b, Plain)
            : TemplateRenderer.Evaluate(text, b, _o.ExpressionLimits);
        return v switch
        {
            null => false,
            bool x => x,
            string s => s.Trim().Equals("true", StringComparison.OrdinalIgnoreCase),
            JValue { Type: JTokenType.String } js => ((string?)js)?.Trim().Equals("true", StringComparison.OrdinalIgnoreCase) == true,
            _ => Values.Truthy(v),
        };
    }

    private IReadOnlyList<JToken?> ListElements(string listPath, IBindingContext b)
    {
        var text = listPath.Trim();
        object? v = TemplateScanner.HasExpression(text)
            ? TemplateRenderer.EvaluateValue(text, b, Plain)
            : TemplateRenderer.Evaluate(text, b, _o.ExpressionLimits);
        if (v is null) return [];
        var token = v as JToken ?? Values.ToJToken(v);
        return token switch
        {
            JArray a => a.Cast<JToken?>().ToList(),
            { Type: JTokenType.Null } => [],
            JValue { Type: JTokenType.String } s when string.IsNullOrEmpty((string?)s) => [],
            _ => [token],
        };
    }

    // ---------------------------------------------------------------- results

    private ProvisioningOutcome Finish(ProvisioningConfig config, ResponseRegistry registry, IBindingContext bindings, string? accountName)
    {
        string? accountId = null;
        if (config.AccountIdPath is { } idPath)
        {
            try
            {
                accountId = idPath == "accountName" ? accountName
                    : TemplateScanner.HasExpression(idPath) ? Values.ToStr(TemplateRenderer.EvaluateValue(idPath, bindings, Plain))
                    : JsonPaths.ToText(JsonPaths.Select(registry.Root, StripResponse(idPath)));
            }
            catch (ExpressionException ex)
            {
                _warnings.Add($"accountIdPath: {ex.Message}");
            }
            if (string.IsNullOrEmpty(accountId))
            {
                accountId = null;
                // a create whose new id cannot be read leaves an account the portal cannot manage: fail closed
                // (not retryable: the target may already hold the account, a retry could duplicate it)
                if (_r.Operation == Domain.ProvisioningTaskType.CreateAccount)
                {
                    return new ProvisioningOutcome
                    {
                        Error = $"{_attr}: every call met its success criteria but accountIdPath '{idPath}' found no value in the responses; the account may exist on the target without a known id",
                        ErrorSignature = $"{_attr}: accountIdPath found no value",
                    };
                }
                _warnings.Add($"accountIdPath '{idPath}' found no value in the responses");
            }
        }
        var props = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (config.ResponseColumns.Count > 0)
        {
            var mapper = new RecordMapper(_o.ExpressionLimits, w => _warnings.Add(w));
            var columns = config.ResponseColumns.Select(c => c with { Source = StripResponse(c.Source) }).ToList();
            try
            {
                foreach (var kv in mapper.Map(registry.Root, columns, $"{_attr} responseColsToPropsMap", bindings)) props[kv.Key] = kv.Value;
            }
            catch (ImportFailedException ex)
            {
                _warnings.Add(ex.Failure.Message);
            }
        }
        return new ProvisioningOutcome { Success = true, AccountId = accountId, AccountProperties = props };
    }

    private static string StripResponse(string path)
    {
        var p = path.Trim();
        return p.StartsWith("response.", StringComparison.Ordinal) ? p["response.".Length..] : p;
    }

    private ProvisioningOutcome ConfigError(string message)
        => new() { Error = "configuration: " + message, ErrorSignature = $"{_attr}: configuration error" };

    private ProvisioningOutcome TemplateError(ProvisioningCall call, string which, ExpressionException ex)
        => new()
        {
            Error = $"{_attr} call '{call.Name}': {which}: {ex.Message}",
            ErrorSignature = $"{_attr} {call.Name}: template error ({ex.Kind})",
        };

    private ProvisioningOutcome AuthError(ProvisioningCall call, AuthException ex)
    {
        var r = ex.Result;
        bool retryable = r is null ? ex.InnerException is HttpRequestException or IOException or TimeoutException
            : r.TransportError is not null || (r.StatusCode is { } s && ProvisioningFailures.IsRetryableStatus(s));
        return new ProvisioningOutcome
        {
            Error = $"{_attr} call '{call.Name}': authentication failed: {ex.Message}",
            ErrorSignature = $"{_attr} {call.Name}: authentication (profile {ex.ProfileName})" + (r?.StatusCode is { } st ? $" token call HTTP {st}" : r?.TransportError is not null ? " token call transport error" : ""),
            Retryable = retryable,
            RetryAfter = r is null ? null : ProvisioningFailures.RetryAfter(r.Headers, _o.TimeProvider.GetUtcNow()),
        };
    }
}
