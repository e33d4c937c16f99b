using System.Text;
using System.Text.RegularExpressions;
using Newtonsoft.Json;

namespace AdminPortal.Core.Transport;

/// <summary>The outcome of <see cref="SecretMasker.MergeBack"/>: the text to store, or why it cannot be stored.</summary>
public sealed record MaskMergeResult(string? Text, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// Hides secret values of a JSON attribute for display and puts them back on save (ADR-010).
/// Secrets are found as <see cref="SecretScrubber"/> finds them (same key rules, any depth, string values
/// that are themselves JSON, <c>key=value</c> pairs of form bodies); values holding <c>${...}</c> or a
/// placeholder are references, not secrets, and stay visible. An auth scheme prefix stays visible
/// (<c>"Bearer ••••••••"</c>). Every other byte of the text is kept.
/// <para>
/// Merge-back works per location: each secret is identified by its path (JSON path, plus the path inside
/// an embedded JSON string, plus the pair key). A value that still shows the mask is replaced by the stored
/// value at the same location, provided the stored value masks to exactly what was submitted. A masked value
/// that moved, was partly edited, or has no stored counterpart is refused, so a mask can never be saved as a
/// secret and a secret can never silently land under another key.
/// </para>
/// </summary>
public static partial class SecretMasker
{
    public const string Mask = "••••••••";

    /// <summary>True when the text shows at least one mask.</summary>
    public static bool ContainsMask(string? text) => text?.Contains(Mask, StringComparison.Ordinal) == true;

    /// <summary>The text with every secret value replaced by <see cref="Mask"/>, and how many were masked.</summary>
    public static (string Text, int Count) MaskSecrets(string? text)
    {
        if (text is null) return ("", 0);
        var count = 0;
        var masked = Transform(text, "$", site =>
        {
            count++;
            return site.Render(MaskValue(site.Value));
        });
        return (masked, count);
    }

    /// <summary>The secret values of a text (decoded, scheme prefix removed), e.g. to register them with a redactor.</summary>
    public static IReadOnlyList<string> SecretValues(string? text)
    {
        var values = new List<string>();
        if (text is null) return values;
        Transform(text, "$", site =>
        {
            var m = SchemeRegex().Match(site.Value);
            values.Add(m.Success ? m.Groups[2].Value : site.Value);
            return null;
        });
        return values;
    }

    /// <summary>Puts stored secrets back where <paramref name="edited"/> still shows the mask.</summary>
    public static MaskMergeResult MergeBack(string attributeName, string? edited, string? stored)
    {
        if (edited is null || !ContainsMask(edited)) return new MaskMergeResult(edited, []);
        var storedSites = new Dictionary<string, Site>(StringComparer.Ordinal);
        if (stored is not null)
        {
            Transform(stored, "$", site =>
            {
                storedSites.TryAdd(site.Path, site);
                return null;
            });
        }

        var errors = new List<string>();
        var merged = Transform(edited, "$", site =>
        {
            if (!site.Value.Contains(Mask, StringComparison.Ordinal)) return null;
            if (storedSites.TryGetValue(site.Path, out var original) && MaskValue(original.Value) == site.Value) return original.Raw;
            errors.Add($"{attributeName}: the masked secret at {site.Path} has no saved value to keep (it was moved or partly edited); click Reveal or type the real value.");
            return null;
        }, keepMasked: true);
        if (errors.Count == 0 && ContainsMask(merged))
            errors.Add($"{attributeName}: the mask {Mask} appears where no secret is expected; type the real value instead.");
        return errors.Count > 0 ? new MaskMergeResult(null, errors) : new MaskMergeResult(merged, []);
    }

    private static string MaskValue(string value)
    {
        var m = SchemeRegex().Match(value);
        return m.Success ? m.Groups[1].Value + Mask : Mask;
    }

    /// <summary>A secret's location, decoded value and raw text (the JSON token or the pair value as written).</summary>
    private sealed record Site(string Path, string Value, string Raw, bool IsJsonValue)
    {
        public string Render(string value) => IsJsonValue ? JsonConvert.ToString(value) : value;
    }

    /// <summary>
    /// Walks the secrets of a JSON text and replaces each one for which <paramref name="replace"/> answers a raw
    /// replacement. Paths: <c>$.a.b[0].c</c>, <c>…httpParams|$.client_secret</c> inside an embedded JSON string,
    /// <c>…httpParams|client_secret=</c> for a form pair.
    /// </summary>
    private static string Transform(string text, string prefix, Func<Site, string?> replace, bool keepMasked = false, int depth = 0)
    {
        if (!SafeJson.LooksLikeJsonContainer(text)) return text;
        var tokens = JsonLexer.Tokenize(text);
        var replacements = new List<(int, int, string)>();
        var stack = new List<PathFrame>();
        string? pendingKey = null;
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            var p = t.Punct(text);
            if (p is '{' or '[')
            {
                stack.Add(new PathFrame(p == '[', CurrentPath(prefix, stack, pendingKey)));
                pendingKey = null;
                continue;
            }

            if (p is '}' or ']')
            {
                if (stack.Count > 0) stack.RemoveAt(stack.Count - 1);
                continue;
            }

            if (p == ',')
            {
                if (stack.Count > 0 && stack[^1].IsArray) stack[^1].Index++;
                continue;
            }

            if (p == ':') continue;
            if (t.Kind == JsonTokKind.String && i + 1 < tokens.Count && tokens[i + 1].Punct(text) == ':' && stack.Count > 0 && !stack[^1].IsArray)
            {
                pendingKey = t.Decoded ?? "";
                continue;
            }

            // A value token.
            var key = pendingKey;
            var path = CurrentPath(prefix, stack, key);
            pendingKey = null;
            if (key is not null && SecretScrubber.IsSecretKey(key))
            {
                string? value = t.Kind switch
                {
                    JsonTokKind.String => t.Decoded,
                    JsonTokKind.Scalar => text.Substring(t.Start, t.Length) is var s && s is not ("true" or "false" or "null") ? s : null,
                    _ => null,
                };
                if (value is not null && IsSite(value, keepMasked))
                {
                    if (replace(new Site(path, value, text.Substring(t.Start, t.Length), true)) is { } raw)
                        replacements.Add((t.Start, t.Length, raw));
                    continue;
                }
            }

            if (t.Kind != JsonTokKind.String || t.Decoded is not { } inner) continue;
            var changed = inner;
            if (depth < 8 && SafeJson.LooksLikeJsonContainer(inner))
                changed = Transform(inner, path + "|$", replace, keepMasked, depth + 1);
            else if (inner.Contains('=', StringComparison.Ordinal))
                changed = TransformPairs(inner, path, replace, keepMasked);
            if (changed != inner)
                replacements.Add((t.Start, t.Length, JsonConvert.ToString(changed)));
        }

        return JsonLexer.Apply(text, replacements);
    }

    private static string TransformPairs(string text, string path, Func<Site, string?> replace, bool keepMasked)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        return PairRegex().Replace(text, m =>
        {
            var key = m.Groups["key"].Value;
            var rawValue = m.Groups["value"].Value;
            var value = Uri.UnescapeDataString(rawValue);
            if (!SecretScrubber.IsSecretKey(key) || !IsSite(value, keepMasked))
                return m.Value;
            var n = seen[key] = seen.GetValueOrDefault(key) + 1;
            var site = new Site($"{path}|{key}={(n == 1 ? "" : n.ToString(System.Globalization.CultureInfo.InvariantCulture))}", value, rawValue, false);
            return replace(site) is { } raw ? m.Groups["lead"].Value + key + "=" + raw : m.Value;
        });
    }

    private sealed class PathFrame(bool isArray, string path)
    {
        public bool IsArray { get; } = isArray;
        public string Path { get; } = path;
        public int Index { get; set; }
    }

    private static string CurrentPath(string prefix, List<PathFrame> stack, string? key)
    {
        if (stack.Count == 0) return prefix;
        var top = stack[^1];
        if (top.IsArray) return $"{top.Path}[{top.Index}]";
        return key is null ? top.Path : $"{top.Path}{(IsPlainKey(key) ? "." + key : "['" + key.Replace("'", "\\'", StringComparison.Ordinal) + "']")}";
    }

    private static bool IsPlainKey(string key) => key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>When masking or collecting: a real secret. When merging an edited text: a value showing the mask.</summary>
    private static bool IsSite(string value, bool masked) => masked ? value.Contains(Mask, StringComparison.Ordinal) : !IsNotSecret(value);

    private static bool IsNotSecret(string value) =>
        string.IsNullOrWhiteSpace(value)
        || value.Contains("${", StringComparison.Ordinal)
        || PlaceholderScanner.Find(value).Count > 0
        || SchemeOnlyRegex().IsMatch(value);

    [GeneratedRegex(@"^((?:Bearer|Basic|Token|Digest|SSWS|Negotiate|ApiKey|Api-Key|OAuth)\s+)(\S.*)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex SchemeRegex();

    [GeneratedRegex(@"^\s*(?:Bearer|Basic|Token|Digest|SSWS|Negotiate|ApiKey|Api-Key|OAuth)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex SchemeOnlyRegex();

    [GeneratedRegex(@"(?<lead>^|[?&;\s])(?<key>[A-Za-z][A-Za-z0-9_.\-]*)=(?<value>[^&#\s""\\;]+)")]
    private static partial Regex PairRegex();
}
