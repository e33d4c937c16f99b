using System.Globalization;
using System.Runtime.CompilerServices;
using AdminPortal.Core.Connectors.Auth;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Templates;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Import;

internal sealed record ImportPage(int Number, string Url, JToken? Body, IReadOnlyList<JToken> Records, IReadOnlyDictionary<string, string> Headers);

/// <summary>Executes one import call with its pagination and validates every page; anything that does not prove a
/// complete, well-formed page raises <see cref="ImportFailedException"/>.</summary>
internal sealed class PagedReader
{
    private readonly ConnectorEngineOptions _options;
    private readonly SecretRedactor _redactor;

    public PagedReader(ConnectorEngineOptions options, SecretRedactor redactor)
    {
        _options = options;
        _redactor = redactor;
    }

    public long Requests { get; private set; }

    public async IAsyncEnumerable<ImportPage> ReadAsync(string section, ImportCall call, AuthSession session, IBindingContext? bindings,
        [EnumeratorCancellation] CancellationToken ct, ResponseProjection? projection = null)
    {
        var http = call.Http ?? throw new ImportFailedException(new ImportFailure(ImportFailureKind.Configuration, "call has no 'http' block", section, call.Name));
        var p = call.Pagination;
        string firstUrl;
        try
        {
            firstUrl = TemplateRenderer.Render(http.Url, session.BindingsFor(bindings), new TemplateRenderOptions { Limits = _options.ExpressionLimits }).Trim();
        }
        catch (ExpressionException ex)
        {
            throw new ImportFailedException(new ImportFailure(ImportFailureKind.Template, $"url template: {ex.Message}", section, call.Name, http.Url), ex);
        }
        var visited = new HashSet<string>(StringComparer.Ordinal);
        string? previousSignature = null;
        long fetched = 0;
        int page = 0;
        long offset = p?.FirstOffset ?? 0;
        long pageNo = p?.FirstPageNumber ?? 1;
        // With a projection the caller only maps the records it is given (no requests of its own while it iterates), so
        // the next page is requested and parsed while the caller maps this one: the target's sending and the parse
        // overlap the mapping, on the second core. Still one request at a time to the target.
        bool prefetch = projection is not null;
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<Fetched>? next = null;
        try
        {
            next = Start(firstUrl);
            while (next is not null)
            {
                var (requestUrl, result, records) = await next.ConfigureAwait(false);
                next = null;
                fetched += records.Count;
                var headers = result.Headers;
                string? url = null;
                if (records.Count > 0 && p is not null)
                {
                    // a server that ignores the paging parameters returns the same page again
                    var signature = records.Count + ":" + records[0].ToString(Formatting.None) + "|" + records[^1].ToString(Formatting.None);
                    if (p.Kind != PaginationKind.NextUrl && signature == previousSignature)
                        throw Fail(ImportFailureKind.PaginationNotHonoured, "page repeats the previous page; the server ignores the paging parameters", section, call, requestUrl, page);
                    previousSignature = signature;
                    url = NextPageUrl(requestUrl, result, records);
                }
                var current = new ImportPage(page, result.Url, result.Json, records, headers);
                if (url is not null && prefetch) next = Start(url);
                yield return current;
                if (url is not null && !prefetch) next = Start(url);
            }
        }
        finally
        {
            if (next is not null)
            {
                // the caller stopped early (a failure, a cancellation): the page being fetched is not wanted
                await abandon.CancelAsync().ConfigureAwait(false);
                try { await next.ConfigureAwait(false); }
                catch (Exception) { /* its outcome no longer matters */ }
            }
        }

        // Requests page number page+1 at url (after the loop guards), reads and validates it.
        Task<Fetched> Start(string url)
        {
            page++;
            if (page > _options.MaxPages)
                throw Fail(ImportFailureKind.TooManyPages, $"more than {_options.MaxPages} pages; stopping (loop guard)", section, call, url, page);
            string requestUrl = url;
            if (p?.Kind == PaginationKind.Page)
            {
                var q = new List<KeyValuePair<string, string>> { new(p.PageNumberParam!, pageNo.ToString(CultureInfo.InvariantCulture)) };
                if (p.PageSizeParam is { Length: > 0 } && p.PageSize is { } ps) q.Add(new(p.PageSizeParam, ps.ToString(CultureInfo.InvariantCulture)));
                requestUrl = UrlResolver.SetQuery(firstUrl, q);
            }
            else if (p?.Kind == PaginationKind.Offset)
            {
                var q = new List<KeyValuePair<string, string>> { new(p.OffsetParam!, offset.ToString(CultureInfo.InvariantCulture)) };
                if (p.BatchParam is { Length: > 0 }) q.Add(new(p.BatchParam, p.BatchSize!.Value.ToString(CultureInfo.InvariantCulture)));
                requestUrl = UrlResolver.SetQuery(firstUrl, q);
            }
            if (!visited.Add(requestUrl))
                throw Fail(ImportFailureKind.PaginationLoop, "the next-page URL repeats an already fetched URL", section, call, requestUrl, page);
            return FetchAsync(requestUrl, page, prefetch ? abandon.Token : ct);
        }

        async Task<Fetched> FetchAsync(string requestUrl, int number, CancellationToken token)
        {
            var purpose = $"{section}.{call.Name} page {number}";
            HttpCallResult result;
            try
            {
                Requests++;
                result = await session.ExecuteAsync(b => RequestBuilder.Prepare(http, b, _options.JsonEscapeBodyValues, _options.ExpressionLimits, requestUrl, session.Profile.BaseUrl) with { Projection = projection },
                    bindings, purpose, token).ConfigureAwait(false);
            }
            catch (ExpressionException ex)
            {
                throw Fail(ImportFailureKind.Template, $"request template: {ex.Message}", section, call, requestUrl, number, inner: ex);
            }
            catch (AuthException ex)
            {
                throw Fail(ImportFailureKind.Authentication, ex.Message, section, call, requestUrl, number, ex.Result?.StatusCode, ex);
            }
            return new Fetched(requestUrl, result, Validate(section, call, result, number, session));
        }

        // The URL of the page after this one, or null when this one is the last.
        string? NextPageUrl(string requestUrl, HttpCallResult result, IReadOnlyList<JToken> records)
        {
            switch (p!.Kind)
            {
                case PaginationKind.NextUrl:
                    return NextUrl(section, call, p, result, records, requestUrl, page);
                case PaginationKind.Page:
                {
                    var total = TotalCount(p.TotalCountPath, result);
                    var size = p.PageSize ?? LiteralInt(p.PageRecordCount) ?? (int?)PathInt(p.PageRecordCount, result);
                    if (total is { } t && fetched >= t) return null;
                    if (total is null && size is { } s && records.Count < s) return null;
                    pageNo++;
                    return firstUrl;
                }
                case PaginationKind.Offset:
                {
                    var total = TotalCount(p.TotalCountPath, result);
                    // SCIM list responses echo a 1-based startIndex: continue from it, not from our own count,
                    // so that a server treating startIndex=0 as 1 neither skips nor loses the last record
                    long reached, nextOffset;
                    if (result.Json is JObject jo && jo.TryGetValue("startIndex", StringComparison.Ordinal, out var si) && si.Type == JTokenType.Integer)
                    {
                        reached = si.Value<long>() - 1 + records.Count;
                        nextOffset = si.Value<long>() + records.Count;
                    }
                    else
                    {
                        reached = offset + records.Count;
                        nextOffset = offset + records.Count;
                    }
                    if (total is { } t && reached >= t) return null;
                    if (total is null && records.Count < p.BatchSize!.Value) return null;
                    offset = nextOffset;
                    return firstUrl;
                }
                default:
                    return null;
            }
        }
    }

    private sealed record Fetched(string RequestUrl, HttpCallResult Result, IReadOnlyList<JToken> Records);

    private static ImportFailedException Fail(ImportFailureKind kind, string message, string section, ImportCall call, string? url, int page, int? status = null, Exception? inner = null)
        => new(new ImportFailure(kind, message, section, call.Name, url, page, status), inner);

    private static int? LiteralInt(string? s) => int.TryParse(s?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static long? PathInt(string? path, HttpCallResult r)
    {
        if (string.IsNullOrWhiteSpace(path) || LiteralInt(path) is not null) return null;
        string? text;
        if (path.StartsWith("headers.", StringComparison.OrdinalIgnoreCase))
            text = r.Headers.TryGetValue(path["headers.".Length..], out var hv) ? hv : null;
        else
        {
            var p = path.StartsWith("completeResponseMap.", StringComparison.Ordinal) ? path["completeResponseMap.".Length..] : path;
            text = JsonPaths.ToText(JsonPaths.Select(r.Json, p));
        }
        return long.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null;
    }

    /// <summary>Total from a body/header path. A literal number is not authoritative (samples hard-code "5000"), so it
    /// does not stop paging: the engine continues until a short or empty page.</summary>
    private static long? TotalCount(string? path, HttpCallResult r) => PathInt(path, r) ?? AutoTotal(r.Json);

    private static readonly string[] WellKnownTotals = { "totalResults", "totalRecords", "total_count", "totalCount", "total", "totalItems" };

    /// <summary>When no usable totalCountPath is configured, a well-known total field of the body (SCIM totalResults, …)
    /// is used so that a server capping the page size below batchSize does not end the read early.</summary>
    private static long? AutoTotal(JToken? body)
    {
        if (body is not JObject o) return null;
        foreach (var k in WellKnownTotals)
            if (o.TryGetValue(k, StringComparison.Ordinal, out var v) && v.Type == JTokenType.Integer) return v.Value<long>();
        return null;
    }

    private string? NextUrl(string section, ImportCall call, PaginationSpec p, HttpCallResult result, IReadOnlyList<JToken> records, string currentUrl, int page)
    {
        var expr = p.NextUrlPath ?? "";
        string? next;
        if (TemplateScanner.HasExpression(expr))
        {
            var headers = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in result.Headers) headers[h.Key] = h.Value;
            var b = new Bindings()
                .Set("response", new Dictionary<string, object?> { ["completeResponseMap"] = result.Json, ["objectList"] = new JArray(records), ["headers"] = headers })
                .Set("headers", headers);
            try
            {
                var v = TemplateRenderer.EvaluateValue(expr, b, new TemplateRenderOptions { Limits = _options.ExpressionLimits });
                next = v is null ? null : Values.ToStr(v);
            }
            catch (ExpressionException ex)
            {
                throw Fail(ImportFailureKind.Template, $"nextUrlPath: {ex.Message}", section, call, currentUrl, page, inner: ex);
            }
        }
        else if (expr.StartsWith("headers.", StringComparison.OrdinalIgnoreCase))
        {
            next = result.Headers.TryGetValue(expr["headers.".Length..], out var hv) ? hv : null;
        }
        else
        {
            var path = expr.StartsWith("completeResponseMap.", StringComparison.Ordinal) ? expr["completeResponseMap.".Length..] : expr;
            next = JsonPaths.ToText(JsonPaths.Select(result.Json, path));
        }
        if (string.IsNullOrWhiteSpace(next) || next == "null") return null;
        next = next.Trim();
        if (!next.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !next.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            && Uri.TryCreate(result.Url, UriKind.Absolute, out var cur) && Uri.TryCreate(cur, next, out var abs))
        {
            // relative next link: resolve against the URL actually requested
            return abs.ToString();
        }
        // An absolute next link must stay on the host the connection sent this request to (after URL rewrites):
        // a target's answer must not steer the engine — and the connection's credentials — to another host.
        var target = new UrlResolver(_options.BaseUrl, _options.UrlRewrites).Resolve(next).Url;
        if (!Uri.TryCreate(target, UriKind.Absolute, out var nextUri) || !Uri.TryCreate(result.Url, UriKind.Absolute, out var current)
            || !string.Equals(nextUri.GetLeftPart(UriPartial.Authority), current.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            throw Fail(ImportFailureKind.PaginationLoop, $"the next-page URL points to another host ({_redactor.RedactText(next)}); only {(Uri.TryCreate(result.Url, UriKind.Absolute, out var c) ? c.GetLeftPart(UriPartial.Authority) : "the requested host")} is followed",
                section, call, currentUrl, page);
        }
        return next;
    }

    private IReadOnlyList<JToken> Validate(string section, ImportCall call, HttpCallResult r, int page, AuthSession session)
    {
        if (r.TransportError is { } te)
        {
            var truncated = te is IOException || te.InnerException is IOException;
            throw Fail(ImportFailureKind.Transport, (truncated ? "connection failed or response body truncated: " : "request failed: ") + _redactor.RedactText(te.Message), section, call, r.Url, page, inner: te);
        }
        if (r.BodyTooLarge) throw Fail(ImportFailureKind.BodyTooLarge, $"response body larger than {_options.MaxResponseBytes} bytes", section, call, r.Url, page, r.StatusCode);
        int status = r.StatusCode!.Value;
        if (status is >= 300 and < 400)
            throw Fail(ImportFailureKind.HttpStatus, $"redirect (HTTP {status}) to {(r.Headers.TryGetValue("Location", out var loc) ? loc : "?")} — possibly a login page", section, call, r.Url, page, status);
        if (MatchesStatus(call.UnsuccessResponses, status))
            throw Fail(ImportFailureKind.HttpStatus, $"HTTP {status} is listed in unsuccessResponses: {r.BodySnippet()}", section, call, r.Url, page, status);
        var allowed = StatusCodes(call.SuccessResponses);
        bool ok = allowed.Count > 0 ? allowed.Contains(status) : status is >= 200 and < 300;
        if (!ok)
        {
            var authNote = session.IsAuthFailure(r) ? " (authentication still failing after token refresh)" : "";
            throw Fail(ImportFailureKind.HttpStatus, $"HTTP {status}{authNote}: {r.BodySnippet()}", section, call, r.Url, page, status);
        }
        if (r.LooksLikeHtml)
            throw Fail(ImportFailureKind.HtmlInsteadOfJson, $"HTML received where JSON was expected (login page or proxy error?): {r.BodySnippet(120)}", section, call, r.Url, page, status);
        if (r.ParseError is not null)
            throw Fail(ImportFailureKind.UnparsableBody, $"response body is not valid JSON (truncated?): {r.ParseError}", section, call, r.Url, page, status);
        if (r.EmptyBody) return Array.Empty<JToken>();
        if (r.Json is null)
            throw Fail(ImportFailureKind.UnparsableBody, $"expected JSON, got {r.ContentType ?? "text"}: {r.BodySnippet(120)}", section, call, r.Url, page, status);
        CheckBodyCriteria(section, call, r, page, status);
        if (ErrorShape(r.Json) is { } err)
            throw Fail(ImportFailureKind.ErrorBody, $"HTTP {status} but the body reports an error: {err}", section, call, r.Url, page, status);

        JToken? list = string.IsNullOrEmpty(call.ListField) ? r.Json : JsonPaths.Select(r.Json, call.ListField);
        if (list is null)
            throw Fail(ImportFailureKind.MissingListField, $"listField '{call.ListField}' not found in the response: {r.BodySnippet(200)}", section, call, r.Url, page, status);
        return list switch
        {
            JArray a => a.ToList(),
            JObject o => new[] { (JToken)o },
            { Type: JTokenType.Null } => Array.Empty<JToken>(),
            _ => throw Fail(ImportFailureKind.MissingListField, $"listField '{call.ListField}' is {ConfigReader.Describe(list)}, not a list", section, call, r.Url, page, status),
        };
    }

    private static HashSet<int> StatusCodes(ResponseCriteria? c)
    {
        var set = new HashSet<int>();
        if (c is null) return set;
        foreach (var alt in c.Alternatives)
            if (alt.TryGetValue("statusCode", out var codes))
                foreach (var s in codes) if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) set.Add(i);
        return set;
    }

    private static bool MatchesStatus(ResponseCriteria? c, int status) => StatusCodes(c).Contains(status);

    private static void CheckBodyCriteria(string section, ImportCall call, HttpCallResult r, int page, int status)
    {
        static bool Holds(IReadOnlyDictionary<string, IReadOnlyList<string>> alt, JToken body)
            => alt.Where(kv => kv.Key != "statusCode").All(kv => JsonPaths.ToText(JsonPaths.Select(body, kv.Key)) is { } v && kv.Value.Contains(v));

        if (call.UnsuccessResponses is { } un)
        {
            foreach (var alt in un.Alternatives)
            {
                if (alt.Keys.Any(k => k != "statusCode") && Holds(alt, r.Json!))
                    throw Fail(ImportFailureKind.ErrorBody, $"body matches unsuccessResponses ({string.Join(", ", alt.Where(k => k.Key != "statusCode").Select(k => k.Key))})", section, call, r.Url, page, status);
            }
        }
        if (call.SuccessResponses is { } su && su.Alternatives.Any(a => a.Keys.Any(k => k != "statusCode")))
        {
            if (!su.Alternatives.Any(a => Holds(a, r.Json!)))
                throw Fail(ImportFailureKind.ErrorBody, "body does not match successResponses", section, call, r.Url, page, status);
        }
    }

    /// <summary>Detects an "obviously error-shaped" body (see <see cref="ResponseChecks.ErrorShape"/>).</summary>
    internal static string? ErrorShape(JToken body) => ResponseChecks.ErrorShape(body);
}
