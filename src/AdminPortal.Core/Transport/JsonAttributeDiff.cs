using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Transport;

/// <summary>How an attribute changes between the current value and the packaged one.</summary>
public enum AttributeChange
{
    Unchanged,
    Added,
    Removed,
    Changed,
}

/// <summary>
/// Result of <see cref="JsonAttributeDiff.Compare"/>. <see cref="ComparedAsJson"/> says whether both sides
/// parsed; <see cref="FirstDifferencePath"/> is the JSON path of the first difference found (<c>$</c> for the
/// root) when both parsed and differ.
/// </summary>
public sealed record JsonAttributeComparison(AttributeChange Change, bool ComparedAsJson, string? FirstDifferencePath)
{
    public bool AreEqual => Change == AttributeChange.Unchanged;
}

/// <summary>
/// Compares two attribute texts the way an import preview needs: null, empty and whitespace-only are all
/// "no value"; when both texts parse as JSON they are compared as JSON (formatting, key order and number
/// spelling such as 1 vs 1.0 ignored; array order significant); otherwise the texts are compared after
/// trimming and normalising line endings.
/// </summary>
public static class JsonAttributeDiff
{
    public static JsonAttributeComparison Compare(string? oldText, string? newText)
    {
        var oldEmpty = string.IsNullOrWhiteSpace(oldText);
        var newEmpty = string.IsNullOrWhiteSpace(newText);
        if (oldEmpty && newEmpty)
            return new(AttributeChange.Unchanged, false, null);
        if (oldEmpty)
            return new(AttributeChange.Added, false, null);
        if (newEmpty)
            return new(AttributeChange.Removed, false, null);

        var depth = TransportLimits.Default.MaxJsonDepth;
        var a = SafeJson.LooksLikeJsonContainer(oldText) ? SafeJson.TryParse(oldText!, depth, out _) : null;
        var b = SafeJson.LooksLikeJsonContainer(newText) ? SafeJson.TryParse(newText!, depth, out _) : null;
        if (a is not null && b is not null)
        {
            var path = FirstDifference(a, b, "$");
            return new(path is null ? AttributeChange.Unchanged : AttributeChange.Changed, true, path);
        }

        var equal = string.Equals(NormalizeText(oldText!), NormalizeText(newText!), StringComparison.Ordinal);
        return new(equal ? AttributeChange.Unchanged : AttributeChange.Changed, false, null);
    }

    public static bool AreEquivalent(string? oldText, string? newText) => Compare(oldText, newText).AreEqual;

    private static string NormalizeText(string s) => s.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();

    private static string? FirstDifference(JToken a, JToken b, string path)
    {
        if (a is JObject oa && b is JObject ob)
        {
            foreach (var p in oa.Properties())
            {
                var child = $"{path}.{p.Name}";
                if (ob.Property(p.Name, StringComparison.Ordinal) is not { } q)
                    return child;
                if (FirstDifference(p.Value, q.Value, child) is { } d)
                    return d;
            }

            foreach (var q in ob.Properties())
            {
                if (oa.Property(q.Name, StringComparison.Ordinal) is null)
                    return $"{path}.{q.Name}";
            }

            return null;
        }

        if (a is JArray aa && b is JArray ab)
        {
            for (var i = 0; i < Math.Min(aa.Count, ab.Count); i++)
            {
                if (FirstDifference(aa[i], ab[i], $"{path}[{i}]") is { } d)
                    return d;
            }

            return aa.Count == ab.Count ? null : $"{path}[{Math.Min(aa.Count, ab.Count)}]";
        }

        if (a.Type is JTokenType.Integer or JTokenType.Float && b.Type is JTokenType.Integer or JTokenType.Float)
            return NumbersEqual((JValue)a, (JValue)b) ? null : path;
        return JToken.DeepEquals(a, b) ? null : path;
    }

    private static bool NumbersEqual(JValue a, JValue b)
    {
        try
        {
            return Convert.ToDecimal(a.Value, System.Globalization.CultureInfo.InvariantCulture)
                == Convert.ToDecimal(b.Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is OverflowException or InvalidCastException)
        {
            return JToken.DeepEquals(a, b);
        }
    }
}
