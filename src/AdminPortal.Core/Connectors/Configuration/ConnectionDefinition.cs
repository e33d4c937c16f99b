using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Configuration;

/// <summary>A call description shared by token calls, refresh-token calls and test-connection calls.</summary>
public sealed record HttpSpec
{
    public string Url { get; init; } = "";
    public string HttpMethod { get; init; } = "GET";
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Body: a JSON string (raw body template) or an object (form fields / JSON object); null for none.</summary>
    public JToken? HttpParams { get; init; }

    public string? ContentType { get; init; }

    internal static HttpSpec Read(ConfigReader r, JObject o)
    {
        var url = r.String(o, "url") ?? throw r.Error(o, "'url' is required");
        var p = o["httpParams"];
        return new HttpSpec
        {
            Url = url.Trim(),
            HttpMethod = (r.String(o, "httpMethod") ?? "GET").Trim(),
            Headers = r.StringMap(o, "httpHeaders"),
            HttpParams = p is null || p.Type == JTokenType.Null ? null : p,
            ContentType = r.String(o, "httpContentType"),
        };
    }
}

/// <summary>One named authentication profile of ConnectionJSON (§2).</summary>
public sealed record AuthProfile
{
    public required string Name { get; init; }
    public string AuthType { get; init; } = "oauth2";
    public HttpSpec? TokenCall { get; init; }
    public JObject Properties { get; init; } = new();
    public string? AccessToken { get; init; }
    public string? TokenResponsePath { get; init; }
    public string? TokenType { get; init; }
    public string? AuthHeaderName { get; init; }
    public string? ExpiryError { get; init; }
    public IReadOnlyList<string> AuthErrors { get; init; } = Array.Empty<string>();
    public string? ErrorPath { get; init; }
    public string? TimeOutError { get; init; }
    public IReadOnlyList<int> RetryFailureStatusCodes { get; init; } = Array.Empty<int>();
    public int MaxRefreshTryCount { get; init; } = 1;
    public string? RefreshType { get; init; }
    public string? RefreshToken { get; init; }
    public string? RefreshTokenResponsePath { get; init; }
    public IReadOnlyList<string> RefreshTokenAuthErrors { get; init; } = Array.Empty<string>();
    public string? RefreshTokenErrorPath { get; init; }
    public HttpSpec? RefreshTokenCall { get; init; }
    public bool RefreshTokenFlag { get; init; }
    public JObject? JwtConfig { get; init; }
    public string? HttpParamsName { get; init; }
    public JObject? TestConnectionParams { get; init; }
    public IReadOnlyList<string> MaskInLogs { get; init; } = Array.Empty<string>();
    public int? RateLimitRetryAfterCalls { get; init; }
    public int? RateLimitRetryWaitSeconds { get; init; }

    /// <summary>Base URL for relative call URLs (our extension: profile key <c>baseUrl</c>/<c>baseURL</c>).</summary>
    public string? BaseUrl { get; init; }

    /// <summary>The profile object as written (for <c>${connection.&lt;key&gt;}</c>).</summary>
    public JObject Raw { get; init; } = new();

    public bool IsAuthType(string type) => string.Equals(AuthType, type, StringComparison.OrdinalIgnoreCase);

    internal static AuthProfile Read(ConfigReader r, string name, JObject o)
    {
        HttpSpec? tokenCall = null;
        if (r.String(o, "url") is { Length: > 0 }) tokenCall = HttpSpec.Read(r, o);
        var rate = r.Object(o, "apiRateLimitConfig");
        var rtc = r.Object(o, "refreshTokenCall");
        return new AuthProfile
        {
            Name = name,
            AuthType = r.String(o, "authType") ?? "oauth2",
            TokenCall = tokenCall,
            Properties = r.Object(o, "properties") ?? new JObject(),
            AccessToken = r.String(o, "accessToken"),
            TokenResponsePath = r.String(o, "tokenResponsePath"),
            TokenType = r.String(o, "tokenType"),
            AuthHeaderName = r.String(o, "authHeaderName"),
            ExpiryError = r.String(o, "expiryError"),
            AuthErrors = r.StringList(o, "authError"),
            ErrorPath = r.String(o, "errorPath"),
            TimeOutError = r.String(o, "timeOutError"),
            RetryFailureStatusCodes = r.IntList(o, "retryFailureStatusCode"),
            MaxRefreshTryCount = Math.Max(0, r.Int(o, "maxRefreshTryCount") ?? 1),
            RefreshType = r.String(o, "refreshType"),
            RefreshToken = r.String(o, "refreshToken"),
            RefreshTokenResponsePath = r.String(o, "refreshTokenResponsePath"),
            RefreshTokenAuthErrors = r.StringList(o, "refreshTokenAuthError"),
            RefreshTokenErrorPath = r.String(o, "refreshTokenErrorPath"),
            RefreshTokenCall = rtc is null ? null : HttpSpec.Read(r, rtc),
            RefreshTokenFlag = r.Bool(o, "refreshTokenFlag") ?? false,
            JwtConfig = r.Object(o, "jwtConfig"),
            HttpParamsName = r.String(o, "httpParamsName"),
            TestConnectionParams = r.Object(o, "testConnectionParams"),
            MaskInLogs = r.StringList(o, "maskInLogs"),
            RateLimitRetryAfterCalls = rate is null ? null : r.Int(rate, "retryAfterCalls"),
            RateLimitRetryWaitSeconds = rate is null ? null : r.Int(rate, "retryWaitSeconds"),
            BaseUrl = r.String(o, "baseUrl") ?? r.String(o, "baseURL") ?? r.String(o, "baseurl"),
            Raw = o,
        };
    }
}

/// <summary>Typed view of ConnectionJSON: <c>{"authentications": {name: profile}}</c>.</summary>
public sealed class ConnectionDefinition
{
    public const string AttributeName = "ConnectionJSON";

    private ConnectionDefinition(IReadOnlyDictionary<string, AuthProfile> profiles) => Profiles = profiles;

    public IReadOnlyDictionary<string, AuthProfile> Profiles { get; }

    public static ConnectionDefinition Parse(string json)
    {
        var r = new ConfigReader(AttributeName);
        var root = ConfigReader.ParseJson(AttributeName, json);
        if (root is not JObject o) throw r.Error(root, "must be a JSON object");
        var auths = r.Object(o, "authentications") ?? throw r.Error(o, "'authentications' is required");
        var d = new Dictionary<string, AuthProfile>(StringComparer.Ordinal);
        foreach (var p in auths.Properties())
        {
            if (p.Value is not JObject po) throw r.Error(p.Value, $"profile '{p.Name}' must be an object, found {ConfigReader.Describe(p.Value)}");
            d[p.Name] = AuthProfile.Read(r, p.Name, po);
        }
        return new ConnectionDefinition(d);
    }

    public AuthProfile Get(string? name, string usedBy, string attribute = "ImportAccountEntJSON")
    {
        if (name is not null && Profiles.TryGetValue(name, out var p)) return p;
        if (name is null && Profiles.Count == 1) return Profiles.Values.First();
        throw new ConnectorConfigException(attribute, usedBy,
            name is null ? "no 'connection' profile named and ConnectionJSON has several" : $"connection profile '{name}' is not defined in ConnectionJSON (defined: {string.Join(", ", Profiles.Keys)})");
    }
}
