using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace AdminPortal.Core.Connectors.Http;

/// <summary>Removes secrets from recorded exchanges: sensitive headers, sensitive JSON/form/query fields and any
/// value registered as secret (configured credentials, tokens obtained at run time, host-supplied secrets).</summary>
public sealed class SecretRedactor
{
    public const string Mask = "***";

    private static readonly string[] DefaultSensitiveHeaders =
    {
        "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-API-Token", "X-Auth-Key", "X-Auth-Token", "apiKey", "api-key", "x-api-user-token",
    };

    private static readonly string[] DefaultSensitiveFields =
    {
        "access_token", "accessToken", "refresh_token", "refreshToken", "id_token", "client_secret", "clientSecret", "password", "passwd", "pwd",
        "secret", "token", "assertion", "jwt_token", "apiKey", "api_key", "apikey", "SKEY", "keyFilePassword", "privateKey", "private_key", "otp", "passCode",
    };

    private readonly HashSet<string> _headers = new(DefaultSensitiveHeaders, StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _fields = new(DefaultSensitiveFields, StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _secrets = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private Regex? _fieldRegex;
    private string[]? _longestFirst;

    /// <summary>Compiled field patterns by pattern text. Every engine (each import run, each WSRETRY pass) has its own redactor,
    /// nearly always with the default fields: compiling once per process keeps construction cheap and each exchange's dozen
    /// redactions (URLs, headers, bodies) at compiled speed. Bounded: the patterns come from connection configuration.</summary>
    private static readonly ConcurrentDictionary<string, Regex> Compiled = new(StringComparer.Ordinal);

    public SecretRedactor(IEnumerable<string>? secrets = null, IEnumerable<string>? sensitiveFields = null)
    {
        foreach (var s in secrets ?? Array.Empty<string>()) AddSecret(s);
        foreach (var f in sensitiveFields ?? Array.Empty<string>()) AddSensitiveField(f);
    }

    /// <summary>Registers a value that must never appear in records (min. 4 characters; shorter values are ignored
    /// to avoid masking common text). Values with a scheme prefix ("Bearer x") also register the bare token.</summary>
    public void AddSecret(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return;
        lock (_gate)
        {
            var v = value.Trim();
            if (v.Length >= 4 && _secrets.Add(v)) _longestFirst = null;
            int sp = v.IndexOf(' ', StringComparison.Ordinal);
            if (sp > 0 && v.Length - sp - 1 >= 4 && _secrets.Add(v[(sp + 1)..])) _longestFirst = null;
            var enc = Uri.EscapeDataString(v);
            if (enc != v && enc.Length >= 4 && _secrets.Add(enc)) _longestFirst = null;
        }
    }

    public void AddSensitiveField(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) return;
        lock (_gate)
        {
            _fields.Add(name);
            _headers.Add(name);
            _fieldRegex = null;
        }
    }

    public bool IsSensitiveHeader(string name) => _headers.Contains(name) || name.Contains("token", StringComparison.OrdinalIgnoreCase) || name.Contains("secret", StringComparison.OrdinalIgnoreCase) || name.Contains("password", StringComparison.OrdinalIgnoreCase);

    public IReadOnlyList<KeyValuePair<string, string>> RedactHeaders(IEnumerable<KeyValuePair<string, string>> headers)
        => headers.Select(h => new KeyValuePair<string, string>(h.Key, IsSensitiveHeader(h.Key) ? MaskHeader(h.Value) : RedactText(h.Value))).ToList();

    private static string MaskHeader(string value)
    {
        // keep the scheme word so an operator can see which auth was used
        int sp = value.IndexOf(' ', StringComparison.Ordinal);
        return sp > 0 && sp < 20 && value[..sp] is "Bearer" or "Basic" or "bearer" or "basic" or "Token" or "SSWS" ? value[..sp] + " " + Mask : Mask;
    }

    /// <summary>Redacts sensitive fields (JSON, form, query string) and every registered secret value.</summary>
    public string RedactText(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        Regex rx;
        string[] secrets;
        lock (_gate)
        {
            rx = _fieldRegex ??= BuildFieldRegex(_fields);
            secrets = _longestFirst ??= _secrets.OrderByDescending(s => s.Length).ToArray();
        }
        var result = rx.Replace(text, m => m.Groups["json"].Success
            ? m.Groups["json"].Value + (m.Groups["q"].Success ? "\"" + Mask + "\"" : Mask)
            : m.Groups["form"].Value + Mask);
        foreach (var s in secrets) result = result.Replace(s, Mask, StringComparison.Ordinal);
        return result;
    }

    private static Regex BuildFieldRegex(IEnumerable<string> fields)
    {
        var alt = string.Join("|", fields.Select(Regex.Escape));
        // "field" : "value"  |  "field": 123   |  field=value (form/query)
        var pattern = $"(?<json>\"(?:{alt})\"\\s*:\\s*)(?:(?<q>\")(?:[^\"\\\\]|\\\\.)*\"|[^,}}\\s\\]]+)|(?<form>(?:^|[?&;\\s])(?:{alt})=)[^&\\s;]*";
        // Every alternative above starts with a different character class, so matching is linear in the text and
        // cannot backtrack catastrophically. The timeout is only a backstop: it must be generous, because a
        // whole response page (tens of MB for a SAP group page) is redacted at once and a 1 s limit failed a
        // 1M-account import on a busy 2-core machine (RegexMatchTimeoutException ends the import, fail-closed).
        if (Compiled.TryGetValue(pattern, out var cached)) return cached;
        var rx = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(60));
        if (Compiled.Count < 64) Compiled.TryAdd(pattern, rx);
        return rx;
    }
}
