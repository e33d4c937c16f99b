using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Templates;

namespace AdminPortal.Core.Connectors.Import;

/// <summary>Decides which parts of a list page an import call reads (a pure function of the call's configuration).</summary>
internal static class ResponseProjectionPlanner
{
    /// <summary>
    /// The record properties a call's mapping reads (see <see cref="ResponseProjection"/>), or null — load everything —
    /// when anything could read more: a template column (its bindings expose every property), a templated next-URL,
    /// body-matching response criteria, a nested or bracketed path, or a membership read from the record itself.
    /// </summary>
    public static ResponseProjection? For(ImportCall call, IEnumerable<MembershipMapping> memberships)
    {
        var list = call.ListField;
        if (string.IsNullOrEmpty(list) || list.Contains('.') || list.Contains('[') || list.Contains("~dot#", StringComparison.Ordinal)) return null;
        if (call.Pagination?.NextUrlPath is { } next && TemplateScanner.HasExpression(next)) return null;
        if (new[] { call.SuccessResponses, call.UnsuccessResponses }.Any(c => c is not null && c.Alternatives.Any(a => a.Keys.Any(k => k != "statusCode")))) return null;
        var keep = new HashSet<string>(StringComparer.Ordinal);
        // second-level keys read under a kept property; `whole`: properties also read as a whole
        var nested = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var whole = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in call.Columns)
        {
            if (c.StoresAcctEntMapping || c.StoresEntMapping) continue;
            if (c.IsTemplate) return null;
            if (c.IsConst)
            {
                if (TemplateScanner.HasExpression(c.Source["#CONST#".Length..])) return null;
                continue;
            }
            if (!Keep(c.Source)) return null;
        }
        foreach (var m in memberships)
        {
            if (string.IsNullOrEmpty(m.ListPath))
            {
                if (!Keep(m.IdPath)) return null; // ids read from the record itself
                continue;
            }

            if (!m.ListPath.Contains('.') && m.Columns.Count == 0 && Plain(m.IdPath) && Plain(m.ListPath))
            {
                // a top-level list whose items are read only through idPath (tried as a literal key first, as
                // JsonPaths does at a root): its items keep that key alone
                keep.Add(m.ListPath);
                Nested(m.ListPath).UnionWith([m.IdPath, m.IdPath.Split('.')[0]]);
                continue;
            }

            if (!Keep(m.ListPath)) return null;
            whole.Add(m.ListPath.Split('.')[0]);
        }
        foreach (var w in whole) nested.Remove(w);
        return new ResponseProjection(list, keep) { NestedProperties = nested.ToDictionary(n => n.Key, n => (IReadOnlySet<string>)n.Value, StringComparer.Ordinal) };

        static bool Plain(string? path) => !string.IsNullOrEmpty(path) && !path.Contains('[') && !path.Contains("~dot#", StringComparison.Ordinal) && !path.StartsWith('$');

        HashSet<string> Nested(string property) => nested.TryGetValue(property, out var set) ? set : nested[property] = new HashSet<string>(StringComparer.Ordinal);

        bool Keep(string? path)
        {
            if (!Plain(path)) return false;
            keep.Add(path!); // JsonPaths.Select tries the whole path as one literal key first
            var segments = path!.Split('.');
            keep.Add(segments[0]);
            // a.b… reads b under a (an index step, a.0, needs a whole); a alone reads a whole
            if (segments.Length == 1 || segments[1].All(char.IsAsciiDigit)) whole.Add(segments[0]);
            else Nested(segments[0]).Add(segments[1]);
            return true;
        }
    }
}
