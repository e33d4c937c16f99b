using System.Text.RegularExpressions;

namespace AdminPortal.Core.Transport;

/// <summary>One placeholder occurrence: the token as written (<c>@HOST_URL@</c> or <c>@@INSTANCE_NAME@@</c>),
/// its bare name, and where it sits in the text.</summary>
public sealed record PlaceholderOccurrence(string Token, string Name, bool IsDouble, int Index);

/// <summary>Where a placeholder is used in a package.</summary>
public sealed record PlaceholderLocation(string ConnectionName, string AttributeName);

/// <summary>A distinct placeholder token of a package and every attribute that uses it.</summary>
public sealed record PackagePlaceholder(string Token, string Name, IReadOnlyList<PlaceholderLocation> Locations);

/// <summary>The text after substitution, the tokens replaced and the tokens left because no value was given.</summary>
public sealed record PlaceholderSubstitution(string Text, IReadOnlyList<string> Replaced, IReadOnlyList<string> Missing);

/// <summary>
/// Finds and fills Saviynt template placeholders. Only <c>@NAME@</c> and <c>@@NAME@@</c> with NAME matching
/// <c>[A-Z][A-Z0-9_]*</c> count, and the opening '@' must not follow a letter, digit or '@' — so e-mail
/// addresses (<c>admin@ACME.COM</c>), <c>@odata.nextLink</c> and <c>${...}</c> references are never taken
/// for placeholders.
/// </summary>
public static partial class PlaceholderScanner
{
    public static IReadOnlyList<PlaceholderOccurrence> Find(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Contains('@', StringComparison.Ordinal))
            return [];
        return [.. PlaceholderRegex().Matches(text).Select(m => m.Groups["d"].Success
            ? new PlaceholderOccurrence(m.Value, m.Groups["d"].Value, true, m.Index)
            : new PlaceholderOccurrence(m.Value, m.Groups["s"].Value, false, m.Index))];
    }

    /// <summary>Distinct placeholder tokens of every attribute of every connection, in order of first use.</summary>
    public static IReadOnlyList<PackagePlaceholder> FindInPackage(TransportPackage package)
    {
        var order = new List<string>();
        var byToken = new Dictionary<string, (string Name, List<PlaceholderLocation> Locations)>(StringComparer.Ordinal);
        foreach (var c in package.Connections)
        {
            foreach (var a in c.Attributes)
            {
                foreach (var o in Find(a.Value))
                {
                    if (!byToken.TryGetValue(o.Token, out var entry))
                    {
                        entry = (o.Name, []);
                        byToken[o.Token] = entry;
                        order.Add(o.Token);
                    }

                    var loc = new PlaceholderLocation(c.Name, a.Name);
                    if (!entry.Locations.Contains(loc))
                        entry.Locations.Add(loc);
                }
            }
        }

        return [.. order.Select(t => new PackagePlaceholder(t, byToken[t].Name, byToken[t].Locations))];
    }

    /// <summary>
    /// Replaces each placeholder with its value. <paramref name="values"/> is keyed by token (<c>@HOST_URL@</c>)
    /// or by bare name (<c>HOST_URL</c>); the token wins. In JSON text a value landing inside a JSON string is
    /// JSON-escaped (twice when the string itself holds JSON, e.g. <c>httpParams</c>); elsewhere it is inserted
    /// as given. Placeholders without a value are left and listed in <see cref="PlaceholderSubstitution.Missing"/>.
    /// </summary>
    public static PlaceholderSubstitution Substitute(string? text, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (string.IsNullOrEmpty(text))
            return new PlaceholderSubstitution(text ?? "", [], []);
        var replaced = new List<string>();
        var missing = new List<string>();
        var result = SafeJson.LooksLikeJsonContainer(text)
            ? SubstituteJson(text, values, replaced, missing, 0)
            : SubstituteRaw(text, values, replaced, missing, escape: false);
        return new PlaceholderSubstitution(result, [.. replaced.Distinct()], [.. missing.Distinct()]);
    }

    /// <summary>The package with placeholders substituted in every connection attribute.</summary>
    public static TransportPackage SubstituteInPackage(TransportPackage package, IReadOnlyDictionary<string, string> values) =>
        package with
        {
            Connections = [.. package.Connections.Select(c => c with
            {
                Attributes = [.. c.Attributes.Select(a =>
                {
                    if (a.Kind == AttributeValueKind.EncryptedElsewhere || string.IsNullOrEmpty(a.Value))
                        return a;
                    var s = Substitute(a.Value, values);
                    return s.Text == a.Value ? a : a.WithValue(s.Text);
                })],
            })],
        };

    private static string SubstituteJson(string text, IReadOnlyDictionary<string, string> values, List<string> replaced, List<string> missing, int depth)
    {
        var replacements = new List<(int, int, string)>();
        foreach (var t in JsonLexer.Tokenize(text))
        {
            var raw = text.Substring(t.Start, t.Length);
            if (!raw.Contains('@', StringComparison.Ordinal) || t.Kind == JsonTokKind.Punct)
                continue;
            string updated;
            if (t.Kind == JsonTokKind.String && depth < 8 && t.Decoded is { } inner && SafeJson.LooksLikeJsonContainer(inner))
            {
                var changed = SubstituteJson(inner, values, replaced, missing, depth + 1);
                updated = changed == inner ? raw : Newtonsoft.Json.JsonConvert.ToString(changed);
            }
            else
            {
                updated = SubstituteRaw(raw, values, replaced, missing, escape: t.Kind == JsonTokKind.String);
            }

            if (updated != raw)
                replacements.Add((t.Start, t.Length, updated));
        }

        return JsonLexer.Apply(text, replacements);
    }

    private static string SubstituteRaw(string text, IReadOnlyDictionary<string, string> values, List<string> replaced, List<string> missing, bool escape) =>
        PlaceholderRegex().Replace(text, m =>
        {
            var name = m.Groups["d"].Success ? m.Groups["d"].Value : m.Groups["s"].Value;
            if (!values.TryGetValue(m.Value, out var value) && !values.TryGetValue(name, out value))
            {
                missing.Add(m.Value);
                return m.Value;
            }

            replaced.Add(m.Value);
            return escape ? JsonLexer.EscapeContent(value) : value;
        });

    /// <summary>The text with every placeholder replaced by <c>0</c> (used to judge JSON validity of templates).</summary>
    internal static string Neutralize(string text) => PlaceholderRegex().Replace(text, "0");

    [GeneratedRegex(@"(?<![A-Za-z0-9@])(?:@@(?<d>[A-Z][A-Z0-9_]*)@@(?!@)|@(?<s>[A-Z][A-Z0-9_]*)@(?!@))")]
    private static partial Regex PlaceholderRegex();
}
