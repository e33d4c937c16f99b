using System.Text;
using System.Text.RegularExpressions;
using Newtonsoft.Json;

namespace AdminPortal.Core.Transport;

/// <summary>One secret replaced by <see cref="SecretScrubber"/>: the key it sat under and its placeholder. The secret itself is never reported.</summary>
public sealed record ScrubbedSecret(string Key, string Placeholder);

/// <summary>The scrubbed text and what was replaced. <see cref="Changed"/> is false when the text is returned untouched.</summary>
public sealed record ScrubResult(string Text, IReadOnlyList<ScrubbedSecret> Secrets)
{
    public bool Changed => Secrets.Count > 0;

    /// <summary>Placeholder token (<c>@@NAME@@</c>) → the value it replaced. Only for callers that put the values back
    /// in the same process (demo set-up writes a package without secrets, then fills its placeholders); never persist it.</summary>
    public IReadOnlyDictionary<string, string> ValuesByPlaceholder { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Replaces secret values in a JSON attribute text with <c>@@NAME@@</c> placeholders, NAME derived from the
/// key (<c>client_secret</c> → <c>@@CLIENT_SECRET@@</c>, <c>accessToken</c> → <c>@@ACCESS_TOKEN@@</c>).
/// Everything else in the text is kept byte for byte. Rules:
/// <list type="bullet">
/// <item>secret keys are matched case-insensitively, ignoring '-' and '_' (see <see cref="IsSecretKey"/>), at any depth;</item>
/// <item>string and number values are replaced; objects, arrays, booleans, null and empty strings are left;</item>
/// <item>values holding a <c>${...}</c> template reference or an existing <c>@X@</c>/<c>@@X@@</c> placeholder are not secrets and are kept;</item>
/// <item>an auth scheme prefix is kept: <c>"Bearer abc"</c> → <c>"Bearer @@AUTHORIZATION@@"</c>;</item>
/// <item>string values that are themselves JSON (e.g. <c>httpParams</c>) are scrubbed recursively, and
/// <c>key=value</c> pairs of query strings / form bodies inside string values are scrubbed too;</item>
/// <item>the same key with two different secret values gets <c>@@NAME@@</c> and <c>@@NAME_2@@</c>.</item>
/// </list>
/// Text that does not start like a JSON object or array (e.g. ciphertext) is returned unchanged.
/// </summary>
public static partial class SecretScrubber
{
    private static readonly HashSet<string> ExactKeys = new(StringComparer.Ordinal)
    {
        "password", "passwd", "pwd", "pass", "secret", "clientsecret", "token", "accesstoken", "refreshtoken",
        "idtoken", "apikey", "apisecret", "apitoken", "xapikey", "xapitoken", "authorization",
        "proxyauthorization", "privatekey", "clientassertion", "sessiontoken", "bearertoken", "authtoken",
        "xauthtoken", "cookie", "subscriptionkey", "ocpapimsubscriptionkey", "sharedsecret", "signingkey",
        "consumersecret", "tokensecret", "passphrase", "secretkey", "accesskey", "secretaccesskey",
    };

    private static readonly string[] SecretSuffixes =
    [
        "password", "passwd", "secret", "apikey", "token", "privatekey", "passphrase", "secretkey", "accesskey",
    ];

    private static readonly string[] NonSecretTokenPrefixes =
    [
        "next", "page", "continuation", "cursor", "sync", "delta", "skip", "resume", "csrfheader",
    ];

    /// <summary>True when values under <paramref name="key"/> are treated as secrets.</summary>
    public static bool IsSecretKey(string key)
    {
        var n = Normalize(key);
        if (n.Length == 0)
            return false;
        if (ExactKeys.Contains(n))
            return true;
        if (n.EndsWith("token", StringComparison.Ordinal) && NonSecretTokenPrefixes.Any(p => n.StartsWith(p, StringComparison.Ordinal)))
            return false;
        return SecretSuffixes.Any(s => n.EndsWith(s, StringComparison.Ordinal));
    }

    /// <summary>Placeholder name for a key: camelCase split, non-alphanumerics → '_', upper case.</summary>
    public static string PlaceholderName(string key)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsAsciiLetterOrDigit(c))
            {
                if (char.IsUpper(c) && i > 0 && char.IsAsciiLetterLower(key[i - 1]))
                    sb.Append('_');
                sb.Append(char.ToUpperInvariant(c));
            }
            else if (sb.Length > 0 && sb[^1] != '_')
            {
                sb.Append('_');
            }
        }

        var name = sb.ToString().Trim('_');
        if (name.Length == 0)
            return "SECRET";
        return char.IsAsciiLetter(name[0]) ? name : "S_" + name;
    }

    public static ScrubResult Scrub(string? text)
    {
        if (text is null || !SafeJson.LooksLikeJsonContainer(text))
            return new ScrubResult(text ?? "", []);
        var state = new State();
        var result = ScrubJson(text, state, 0);
        return new ScrubResult(result, state.Secrets)
        {
            ValuesByPlaceholder = state.ValueByName.ToDictionary(kv => $"@@{kv.Key}@@", kv => kv.Value, StringComparer.Ordinal),
        };
    }

    private sealed class State
    {
        public readonly Dictionary<string, string> ValueByName = new(StringComparer.Ordinal);
        public readonly List<ScrubbedSecret> Secrets = [];

        public string PlaceholderFor(string key, string value)
        {
            var baseName = PlaceholderName(key);
            var name = baseName;
            for (var i = 2; ValueByName.TryGetValue(name, out var existing) && existing != value; i++)
                name = $"{baseName}_{i}";
            ValueByName[name] = value;
            var placeholder = $"@@{name}@@";
            Secrets.Add(new ScrubbedSecret(key, placeholder));
            return placeholder;
        }
    }

    private static string ScrubJson(string text, State state, int depth)
    {
        var tokens = JsonLexer.Tokenize(text);
        var replacements = new List<(int, int, string)>();
        var handled = new HashSet<int>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Kind != JsonTokKind.String || i + 2 >= tokens.Count || tokens[i + 1].Punct(text) != ':')
                continue;
            handled.Add(i);
            var key = t.Decoded ?? "";
            if (!IsSecretKey(key))
                continue;
            var v = tokens[i + 2];
            string? secret = v.Kind switch
            {
                JsonTokKind.String => v.Decoded,
                JsonTokKind.Scalar => text.Substring(v.Start, v.Length) is var s && s is not ("true" or "false" or "null") ? s : null,
                _ => null,
            };
            if (secret is null || IsNotSecret(secret))
                continue;
            handled.Add(i + 2);
            replacements.Add((v.Start, v.Length, JsonConvert.ToString(Replace(key, secret, state))));
        }

        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Kind != JsonTokKind.String || handled.Contains(i) || t.Decoded is not { } inner)
                continue;
            var changed = inner;
            if (depth < 8 && SafeJson.LooksLikeJsonContainer(inner))
                changed = ScrubJson(inner, state, depth + 1);
            if (changed.Contains('=', StringComparison.Ordinal))
                changed = ScrubPairs(changed, state);
            if (!ReferenceEquals(changed, inner) && changed != inner)
                replacements.Add((t.Start, t.Length, JsonConvert.ToString(changed)));
        }

        return JsonLexer.Apply(text, replacements);
    }

    private static string Replace(string key, string secret, State state)
    {
        var m = SchemeRegex().Match(secret);
        return m.Success
            ? m.Groups[1].Value + state.PlaceholderFor(key, m.Groups[2].Value)
            : state.PlaceholderFor(key, secret);
    }

    private static bool IsNotSecret(string value) =>
        string.IsNullOrWhiteSpace(value)
        || value.Contains("${", StringComparison.Ordinal)
        || PlaceholderScanner.Find(value).Count > 0
        || SchemeOnlyRegex().IsMatch(value);

    private static string ScrubPairs(string text, State state) =>
        PairRegex().Replace(text, m =>
        {
            var key = m.Groups["key"].Value;
            var value = Uri.UnescapeDataString(m.Groups["value"].Value);
            if (!IsSecretKey(key) || IsNotSecret(value))
                return m.Value;
            return m.Groups["lead"].Value + key + "=" + state.PlaceholderFor(key, value);
        });

    [GeneratedRegex(@"^((?:Bearer|Basic|Token|Digest|SSWS|Negotiate|ApiKey|Api-Key|OAuth)\s+)(\S.*)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex SchemeRegex();

    [GeneratedRegex(@"^\s*(?:Bearer|Basic|Token|Digest|SSWS|Negotiate|ApiKey|Api-Key|OAuth)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex SchemeOnlyRegex();

    [GeneratedRegex(@"(?<lead>^|[?&;\s])(?<key>[A-Za-z][A-Za-z0-9_.\-]*)=(?<value>[^&#\s""\\;]+)")]
    private static partial Regex PairRegex();

    private static string Normalize(string key)
    {
        var sb = new StringBuilder(key.Length);
        foreach (var c in key)
        {
            if (char.IsAsciiLetterOrDigit(c))
                sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}
