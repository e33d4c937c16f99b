namespace AdminPortal.Core.Connectors.Http;

/// <summary>"from prefix → to prefix" rewrite applied to request URLs before sending (e.g. vendor host → simulator).</summary>
public sealed record UrlRewrite(string FromPrefix, string ToPrefix)
{
    public override string ToString() => $"{FromPrefix} → {ToPrefix}";
}

/// <summary>Resolves relative call URLs against a base URL, then applies the first matching prefix rewrite.</summary>
public sealed class UrlResolver
{
    private readonly IReadOnlyList<UrlRewrite> _rewrites;

    public UrlResolver(string? baseUrl, IReadOnlyList<UrlRewrite>? rewrites)
    {
        BaseUrl = string.IsNullOrWhiteSpace(baseUrl) ? null : baseUrl.Trim();
        _rewrites = rewrites ?? Array.Empty<UrlRewrite>();
    }

    public string? BaseUrl { get; }

    public (string Url, UrlRewrite? Applied) Resolve(string url, string? profileBaseUrl = null)
    {
        url = url.Trim();
        bool absolute = url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (!absolute)
        {
            var b = profileBaseUrl ?? BaseUrl
                ?? throw new InvalidOperationException($"relative URL '{url}' but no base URL is configured (set the connection profile's baseUrl or the engine's BaseUrl)");
            url = b.TrimEnd('/') + "/" + url.TrimStart('/');
        }
        foreach (var rw in _rewrites)
        {
            if (url.StartsWith(rw.FromPrefix, StringComparison.OrdinalIgnoreCase))
                return (rw.ToPrefix + url[rw.FromPrefix.Length..], rw);
        }
        return (url, null);
    }

    /// <summary>Sets (or replaces) query parameters on a URL, keeping the others.</summary>
    public static string SetQuery(string url, IEnumerable<KeyValuePair<string, string>> values)
    {
        var frag = "";
        int hash = url.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0) { frag = url[hash..]; url = url[..hash]; }
        int q = url.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? url : url[..q];
        var pairs = q < 0 || q == url.Length - 1 ? new List<string>() : url[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var kv in values)
        {
            var enc = Uri.EscapeDataString(kv.Key);
            pairs.RemoveAll(p => string.Equals(p.Split('=')[0], enc, StringComparison.Ordinal) || string.Equals(Uri.UnescapeDataString(p.Split('=')[0]), kv.Key, StringComparison.Ordinal));
            pairs.Add(enc + "=" + Uri.EscapeDataString(kv.Value));
        }
        return path + (pairs.Count > 0 ? "?" + string.Join("&", pairs) : "") + frag;
    }
}
