using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Templates;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Auth;

/// <summary>New token values for a profile, handed to the host for write-back into ConnectionJSON.</summary>
public sealed record TokenUpdate(string ProfileName, string? AccessToken, string? RefreshToken, DateTimeOffset? ExpiresAt);

/// <summary>A token could not be obtained or refreshed.</summary>
public sealed class AuthException : Exception
{
    public AuthException(string profileName, string message, HttpCallResult? result = null, Exception? inner = null)
        : base($"connection profile '{profileName}': {message}", inner)
    {
        ProfileName = profileName;
        Result = result;
    }

    public string ProfileName { get; }
    public HttpCallResult? Result { get; }
}

/// <summary>Per-run token state of one auth profile: substitution, failure detection, refresh and retry.</summary>
public sealed class AuthSession
{
    private readonly CallExecutor _exec;
    private readonly ConnectorEngineOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _callCount;

    public AuthSession(AuthProfile profile, CallExecutor exec, ConnectorEngineOptions options)
    {
        Profile = profile;
        _exec = exec;
        _options = options;
        AccessToken = profile.AccessToken;
        RefreshToken = profile.RefreshToken;
        if (profile.IsAuthType("Basic") && string.IsNullOrEmpty(AccessToken)) AccessToken = BasicFromProperties();
        RegisterSecrets();
    }

    public AuthProfile Profile { get; }
    public string? AccessToken { get; private set; }
    public string? RefreshToken { get; private set; }
    public DateTimeOffset? ExpiresAt { get; private set; }
    public int RefreshCount { get; private set; }

    private SecretRedactor Redactor => _exec.Redactor;

    private void RegisterSecrets()
    {
        Redactor.AddSecret(AccessToken);
        Redactor.AddSecret(RefreshToken);
        foreach (var f in Profile.MaskInLogs) Redactor.AddSensitiveField(f);
        foreach (var p in Profile.Properties.Properties())
        {
            if (p.Value is JValue v && !IsHarmlessPropertyName(p.Name)) Redactor.AddSecret(JsonPaths.ToText(v));
        }
        foreach (var spec in new[] { Profile.TokenCall, Profile.RefreshTokenCall })
        {
            if (spec?.HttpParams is JObject hp)
            {
                foreach (var p in hp.Properties())
                    if (IsSecretName(p.Name) && p.Value is JValue v && !TemplateScanner.HasExpression(JsonPaths.ToText(v))) Redactor.AddSecret(JsonPaths.ToText(v));
            }
            foreach (var h in spec?.Headers ?? new Dictionary<string, string>())
                if (Redactor.IsSensitiveHeader(h.Key) && !TemplateScanner.HasExpression(h.Value)) Redactor.AddSecret(h.Value);
        }
        if (Profile.JwtConfig?["key"] is JValue k) Redactor.AddSecret(JsonPaths.ToText(k));
        foreach (var name in Profile.MaskInLogs)
            if (Profile.Raw[name] is JValue mv) Redactor.AddSecret(JsonPaths.ToText(mv));
    }

    private static bool IsHarmlessPropertyName(string n) => n is "userName" or "username" or "userId" or "IKEY" or "keyFilePath";

    private static bool IsSecretName(string n)
        => n.Contains("secret", StringComparison.OrdinalIgnoreCase) || n.Contains("password", StringComparison.OrdinalIgnoreCase)
           || n.Contains("token", StringComparison.OrdinalIgnoreCase) || n.Contains("key", StringComparison.OrdinalIgnoreCase) || n == "assertion";

    private string? BasicFromProperties()
    {
        var user = (string?)Profile.Properties["userName"] ?? (string?)Profile.Properties["username"];
        var pass = (string?)Profile.Properties["password"];
        if (user is null) return null;
        return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + (pass ?? "")));
    }

    /// <summary>Bindings for templates of calls made with this profile.</summary>
    public Bindings BindingsFor(IBindingContext? parent)
    {
        var b = new Bindings(parent);
        b.Set("access_token", AccessToken ?? "");
        b.Set("refresh_token", RefreshToken ?? "");
        b.Set("connection", Profile.Raw);
        return b;
    }

    private bool CanObtainToken => Profile.TokenCall is not null && !Profile.IsAuthType("Basic");

    /// <summary>Obtains a token when none is held yet, or when the one held is about to expire (proactive refresh).</summary>
    public async Task EnsureReadyAsync(CancellationToken ct)
    {
        if (!CanObtainToken) return;
        bool needed = string.IsNullOrWhiteSpace(AccessToken)
                      || (ExpiresAt is { } exp && _options.TimeProvider.GetUtcNow() >= exp - _options.TokenRefreshSkew);
        if (needed) await RefreshAsync(string.IsNullOrWhiteSpace(AccessToken) ? "no token yet" : "token about to expire", ct).ConfigureAwait(false);
    }

    /// <summary>True when the response means "token expired / invalid" per retryFailureStatusCode, errorPath + expiryError/authError.</summary>
    public bool IsAuthFailure(HttpCallResult r)
    {
        if (r.StatusCode is { } s && Profile.RetryFailureStatusCodes.Contains(s)) return true;
        var errors = Profile.AuthErrors.Concat(Profile.ExpiryError is { Length: > 0 } e ? new[] { e } : Array.Empty<string>()).Where(x => x.Length > 0).ToList();
        if (errors.Count == 0) return false;
        if (!string.IsNullOrEmpty(Profile.ErrorPath) && r.Json is not null)
        {
            var v = JsonPaths.ToText(JsonPaths.Select(r.Json, Profile.ErrorPath));
            if (v is not null && errors.Any(x => string.Equals(v, x, StringComparison.Ordinal) || v.Contains(x, StringComparison.Ordinal))) return true;
        }
        if (!r.IsSuccessStatus)
        {
            var text = r.Json?.ToString(Formatting.None) ?? r.Text ?? "";
            if (errors.Any(x => text.Contains(x, StringComparison.Ordinal))) return true;
        }
        return false;
    }

    /// <summary>Executes a call with token substitution; on an auth failure regenerates the token and retries, at most
    /// maxRefreshTryCount times. Returns the last result (the caller judges success).</summary>
    public async Task<HttpCallResult> ExecuteAsync(Func<IBindingContext, PreparedRequest> prepare, IBindingContext? bindings, string purpose, CancellationToken ct)
    {
        await EnsureReadyAsync(ct).ConfigureAwait(false);
        int refreshes = 0;
        while (true)
        {
            await RateLimitAsync(ct).ConfigureAwait(false);
            var req = prepare(BindingsFor(bindings));
            if (!string.IsNullOrEmpty(Profile.AuthHeaderName) && AccessToken is not null
                && !req.Headers.Any(h => string.Equals(h.Key, Profile.AuthHeaderName, StringComparison.OrdinalIgnoreCase)))
            {
                req = req with { Headers = req.Headers.Append(new KeyValuePair<string, string>(Profile.AuthHeaderName, AccessToken)).ToList() };
            }
            var result = await _exec.SendAsync(req, refreshes == 0 ? purpose : $"{purpose} (retry {refreshes} after token refresh)", ct).ConfigureAwait(false);
            if (result.TransportError is null && IsAuthFailure(result) && refreshes < Profile.MaxRefreshTryCount && CanRefresh)
            {
                refreshes++;
                await RefreshAsync($"auth failure (HTTP {result.StatusCode}) on {purpose}", ct).ConfigureAwait(false);
                continue;
            }
            return result;
        }
    }

    private bool CanRefresh => CanObtainToken || (Profile.IsAuthType("Basic") && BasicFromProperties() is { } b && b != AccessToken);

    private async Task RateLimitAsync(CancellationToken ct)
    {
        var n = Interlocked.Increment(ref _callCount);
        if (Profile.RateLimitRetryAfterCalls is > 0 and var every && Profile.RateLimitRetryWaitSeconds is > 0 and var wait && n > 1 && (n - 1) % every == 0)
            await _options.DelayAsync(TimeSpan.FromSeconds(wait), ct).ConfigureAwait(false);
    }

    /// <summary>Regenerates the access token (token call, JWT assertion or Basic credentials) and notifies the host.</summary>
    public async Task RefreshAsync(string reason, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Profile.IsAuthType("Basic"))
            {
                AccessToken = BasicFromProperties() ?? AccessToken;
                RefreshCount++;
                return;
            }
            if (Profile.TokenCall is null) throw new AuthException(Profile.Name, $"token rejected ({reason}) and no token url is configured");
            var result = await TokenCallAsync(ct).ConfigureAwait(false);
            if (!TokenCallSucceeded(result) && Profile.RefreshTokenCall is not null && RefreshTokenRejected(result))
            {
                await RunRefreshTokenCallAsync(ct).ConfigureAwait(false);
                result = await TokenCallAsync(ct).ConfigureAwait(false);
            }
            if (!TokenCallSucceeded(result))
            {
                throw new AuthException(Profile.Name, result.TransportError is { } te
                    ? $"token call failed: {te.Message}"
                    : $"token call to {result.Url} failed with HTTP {result.StatusCode}: {Redactor.RedactText(result.BodySnippet())}", result, result.TransportError);
            }
            var token = ReadPath(result, Profile.TokenResponsePath ?? "access_token");
            if (string.IsNullOrEmpty(token))
                throw new AuthException(Profile.Name, $"token call succeeded but no token found at '{Profile.TokenResponsePath ?? "access_token"}'", result);
            AccessToken = string.IsNullOrWhiteSpace(Profile.TokenType) ? token : Profile.TokenType!.Trim() + " " + token;
            Redactor.AddSecret(token);
            Redactor.AddSecret(AccessToken);
            if (!string.IsNullOrEmpty(Profile.RefreshTokenResponsePath))
            {
                var rt = ReadPath(result, Profile.RefreshTokenResponsePath);
                if (!string.IsNullOrEmpty(rt)) { RefreshToken = rt; Redactor.AddSecret(rt); }
            }
            var expiresIn = JsonPaths.ToText(JsonPaths.Select(result.Json, "expires_in"));
            ExpiresAt = double.TryParse(expiresIn, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs) && secs > 0
                ? _options.TimeProvider.GetUtcNow().AddSeconds(secs)
                : null;
            RefreshCount++;
            if (Profile.RefreshTokenFlag && Profile.RefreshTokenCall is not null) await RunRefreshTokenCallAsync(ct).ConfigureAwait(false);
            if (_options.OnTokensRefreshed is { } cb) await cb(new TokenUpdate(Profile.Name, AccessToken, RefreshToken, ExpiresAt), ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static bool TokenCallSucceeded(HttpCallResult r) => r.TransportError is null && r.IsSuccessStatus;

    private bool RefreshTokenRejected(HttpCallResult r)
    {
        if (Profile.RefreshTokenAuthErrors.Count == 0) return false;
        var v = !string.IsNullOrEmpty(Profile.RefreshTokenErrorPath) ? JsonPaths.ToText(JsonPaths.Select(r.Json, Profile.RefreshTokenErrorPath)) : null;
        var text = v ?? r.Json?.ToString(Formatting.None) ?? r.Text ?? "";
        return Profile.RefreshTokenAuthErrors.Any(e => text.Contains(e, StringComparison.Ordinal));
    }

    private async Task RunRefreshTokenCallAsync(CancellationToken ct)
    {
        var spec = Profile.RefreshTokenCall!;
        var req = RequestBuilder.Prepare(spec, BindingsFor(null), _options.JsonEscapeBodyValues, _options.ExpressionLimits, profileBaseUrl: Profile.BaseUrl);
        var r = await _exec.SendAsync(req, $"refresh-token call {Profile.Name}", ct).ConfigureAwait(false);
        if (!TokenCallSucceeded(r)) throw new AuthException(Profile.Name, $"refresh-token call failed with HTTP {r.StatusCode}", r, r.TransportError);
        var path = Profile.RefreshTokenResponsePath ?? "refresh_token";
        var rt = ReadPath(r, path);
        if (string.IsNullOrEmpty(rt)) throw new AuthException(Profile.Name, $"refresh-token call returned no value at '{path}'", r);
        RefreshToken = rt;
        Redactor.AddSecret(rt);
    }

    /// <summary>Runs the token call (used by refresh and by "test connection").</summary>
    public Task<HttpCallResult> TokenCallAsync(CancellationToken ct)
    {
        var spec = Profile.TokenCall ?? throw new AuthException(Profile.Name, "no token url configured");
        var extra = new List<KeyValuePair<string, string>>();
        if (Profile.IsAuthType("BasicWithAccessToken") && BasicFromProperties() is { } basic)
            extra.Add(new KeyValuePair<string, string>("Authorization", basic));
        if (Profile.IsAuthType("Jwt"))
        {
            var jwt = BuildJwt();
            Redactor.AddSecret(jwt);
            var name = Profile.HttpParamsName ?? "assertion";
            var p = spec.HttpParams as JObject ?? new JObject();
            p = (JObject)p.DeepClone();
            p[name] = jwt;
            spec = spec with { HttpParams = p, ContentType = spec.ContentType ?? "application/x-www-form-urlencoded" };
        }
        var req = RequestBuilder.Prepare(spec, BindingsFor(null), _options.JsonEscapeBodyValues, _options.ExpressionLimits, profileBaseUrl: Profile.BaseUrl, extraHeaders: extra);
        return _exec.SendAsync(req, $"token call {Profile.Name}", ct);
    }

    private static string? ReadPath(HttpCallResult r, string path)
    {
        if (path.StartsWith("#HEADERS#", StringComparison.Ordinal))
        {
            var name = path["#HEADERS#".Length..];
            if (!r.Headers.TryGetValue(name, out var value)) return null;
            if (string.Equals(name, "Set-Cookie", StringComparison.OrdinalIgnoreCase))
            {
                // "a=1; Path=/; HttpOnly, b=2; Secure" -> "a=1; b=2"
                var cookies = value.Split(',').Select(c => c.Split(';')[0].Trim()).Where(c => c.Contains('=', StringComparison.Ordinal) && !c.StartsWith("Expires", StringComparison.OrdinalIgnoreCase));
                return string.Join("; ", cookies);
            }
            return value;
        }
        return JsonPaths.ToText(JsonPaths.Select(r.Json, path));
    }

    /// <summary>Builds and signs a JWT from jwtConfig (HS256/384/512 with a shared secret, RS256/384/512 with a PEM private key).</summary>
    internal string BuildJwt()
    {
        var cfg = Profile.JwtConfig ?? throw new AuthException(Profile.Name, "authType Jwt requires jwtConfig");
        var header = (cfg["jwtHeader"] as JObject)?.DeepClone() as JObject ?? new JObject();
        var alg = ((string?)cfg["signedAlgorithm"] ?? (string?)header["alg"] ?? "RS256").Trim().ToUpperInvariant();
        header["alg"] = alg;
        header["typ"] ??= "JWT";
        var payload = (cfg["jwtPayload"] as JObject)?.DeepClone() as JObject ?? new JObject();
        var now = _options.TimeProvider.GetUtcNow().ToUnixTimeSeconds();
        var bindings = BindingsFor(null);
        foreach (var p in payload.Properties().ToList())
        {
            if (p.Value is JValue { Type: JTokenType.String } sv && TemplateScanner.HasExpression((string?)sv))
                p.Value = Values.ToJToken(TemplateRenderer.EvaluateValue((string)sv!, bindings, new TemplateRenderOptions { Limits = _options.ExpressionLimits }));
        }
        payload["iat"] ??= now;
        var duration = cfg["jwtExpiryDuration"] is JValue d && long.TryParse(JsonPaths.ToText(d), NumberStyles.Integer, CultureInfo.InvariantCulture, out var dur) ? dur : 300;
        if (payload["exp"] is null || payload["exp"]!.Type != JTokenType.Integer) payload["exp"] = now + duration;
        var signingInput = B64(Encoding.UTF8.GetBytes(header.ToString(Formatting.None))) + "." + B64(Encoding.UTF8.GetBytes(payload.ToString(Formatting.None)));
        var key = (string?)cfg["key"] ?? throw new AuthException(Profile.Name, "jwtConfig.key is required");
        byte[] sig;
        var data = Encoding.ASCII.GetBytes(signingInput);
        if (alg.StartsWith("HS", StringComparison.Ordinal))
        {
            var k = Encoding.UTF8.GetBytes(key);
            sig = alg switch
            {
                "HS256" => HMACSHA256.HashData(k, data),
                "HS384" => HMACSHA384.HashData(k, data),
                "HS512" => HMACSHA512.HashData(k, data),
                _ => throw new AuthException(Profile.Name, $"unsupported JWT algorithm {alg}"),
            };
        }
        else if (alg.StartsWith("RS", StringComparison.Ordinal))
        {
            using var rsa = RSA.Create();
            try { rsa.ImportFromPem(key); }
            catch (ArgumentException ex) { throw new AuthException(Profile.Name, "jwtConfig.key is not a PEM private key", inner: ex); }
            var hash = alg switch { "RS256" => HashAlgorithmName.SHA256, "RS384" => HashAlgorithmName.SHA384, "RS512" => HashAlgorithmName.SHA512, _ => throw new AuthException(Profile.Name, $"unsupported JWT algorithm {alg}") };
            sig = rsa.SignData(data, hash, RSASignaturePadding.Pkcs1);
        }
        else throw new AuthException(Profile.Name, $"unsupported JWT algorithm {alg}");
        return signingInput + "." + B64(sig);
    }

    private static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
