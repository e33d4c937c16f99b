using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Tests;

/// <summary>Reads a Saviynt package's Connection_*.json from its zip and replays its calls against a simulator,
/// with the host swapped and ${...} filled by plain string replacement.</summary>
internal sealed class PackageReplay
{
    private readonly RunningSimulator _sim;
    private readonly HttpClient _http;
    private readonly Dictionary<string, string> _attrs = new();
    private readonly Func<string, string> _fixUrl;

    public Dictionary<string, string> Vars { get; } = new(StringComparer.Ordinal);

    public PackageReplay(RunningSimulator sim, HttpClient http, string zipName, Func<string, string> fixUrl)
    {
        _sim = sim;
        _http = http;
        _fixUrl = fixUrl;
        using var zip = ZipFile.OpenRead(Path.Combine(TestSupport.PackagesDir(), zipName));
        var entry = zip.Entries.Single(e => Regex.IsMatch(e.FullName, @"(^|/)Connection_[^/]*\.json$") && !e.FullName.Contains("__MACOSX", StringComparison.Ordinal));
        using var reader = new StreamReader(entry.Open());
        var root = (JObject)JObject.Parse(reader.ReadToEnd()).Properties().Single().Value;
        foreach (var a in (JArray)root["EXTERNAL_ATTR"]!)
            if ((string?)a["encryptedattributevalue"] is { Length: > 0 } v) _attrs[(string)a["attributename"]!] = v;
    }

    public JObject Json(string attribute) => JObject.Parse(_attrs[attribute]);

    public string Fill(string s) => Regex.Replace(s, @"\$\{([^}]*)\}", m => Vars.TryGetValue(m.Groups[1].Value, out var v) ? v : throw new KeyNotFoundException("No value for ${" + m.Groups[1].Value + "}"));

    private HttpRequestMessage Build(string method, string url, JObject? headers, string? body, string? contentType)
    {
        var m = method.ToUpperInvariant() == "DELETEWITHBODY" ? HttpMethod.Delete : new HttpMethod(method.ToUpperInvariant());
        var req = new HttpRequestMessage(m, _fixUrl(Fill(url).Trim()));
        if (body is not null) req.Content = new StringContent(Fill(body), Encoding.UTF8, contentType ?? "application/json");
        foreach (var h in headers?.Properties() ?? Enumerable.Empty<JProperty>())
        {
            var value = Fill((string)h.Value!);
            if (h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) continue;
            req.Headers.TryAddWithoutValidation(h.Name, value);
        }
        return req;
    }

    /// <summary>Runs one provisioning call object; returns status, parsed body and whether the package counts it a success.</summary>
    public async Task<(HttpStatusCode Status, JToken? Body, bool PackageSuccess)> Provision(JObject call)
    {
        var req = Build((string)call["httpMethod"]!, (string)call["url"]!, call["httpHeaders"] as JObject, (string?)call["httpParams"], (string?)call["httpContentType"]);
        var resp = await _http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        JToken? body = null;
        if (text.Length > 0) body = TestSupport.Parse(text);
        var ok = call["successResponses"]?["statusCode"] is JArray codes && codes.Any(c => (int)c == (int)resp.StatusCode);
        return (resp.StatusCode, body, ok);
    }

    /// <summary>Runs an import call (with its pagination) and returns the records of its listField.</summary>
    public async Task<List<JToken>> Import(JObject call, Func<string, string>? urlOverride = null)
    {
        var http = (JObject)call["http"]!;
        var url = urlOverride?.Invoke((string)http["url"]!) ?? (string)http["url"]!;
        var listField = (string?)call["listField"] ?? "";
        var records = new List<JToken>();
        var offset = call["pagination"]?["offset"] as JObject;
        var nextUrl = call["pagination"]?["nextUrl"];
        var start = 1;
        string? current = url;
        for (var guard = 0; current is not null && guard < 10_000; guard++)
        {
            var pageUrl = current;
            if (offset is not null)
                pageUrl = $"{url}{(url.Contains('?') ? "&" : "?")}{offset["offsetParam"]}={start}&{offset["batchParam"]}={offset["batchSize"]}";
            var resp = await _http.SendAsync(Build((string)http["httpMethod"]!, pageUrl, http["httpHeaders"] as JObject, null, null));
            if (resp.StatusCode == HttpStatusCode.NoContent) break;
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            var body = TestSupport.Parse(await resp.Content.ReadAsStringAsync());
            var list = listField.Length == 0 ? (JArray)body : (JArray?)body.SelectToken(listField) ?? new JArray();
            records.AddRange(list);
            if (offset is not null)
            {
                var batch = (int)offset["batchSize"]!;
                if (list.Count < batch) break;
                start += batch;
            }
            else if (nextUrl is not null)
            {
                current = (string?)body.SelectToken("_links.next");
                continue;
            }
            else break;
            current = url;
        }
        return records;
    }

    /// <summary>Reads a colsToPropsMap source ("id~#~char") from a record.</summary>
    public static string? Col(JToken record, JObject colsToPropsMap, string target)
    {
        var src = ((string)colsToPropsMap[target]!).Split("~#~")[0];
        var t = record.SelectToken(src);
        return t is null || t.Type == JTokenType.Null ? null : t.Type == JTokenType.Boolean ? ((bool)t ? "true" : "false") : t.ToString();
    }

    public static string Value(JToken? t, string path)
    {
        var p = path.StartsWith("call1.message.", StringComparison.Ordinal) ? path["call1.message.".Length..] : path;
        return t!.SelectToken(p)!.ToString();
    }

    public RunningSimulator Sim => _sim;
}
