using System.Net.Http.Headers;
using System.Text;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Tests;

internal static class TestSupport
{
    public static Task<RunningSimulator> Start(SimulatedSystem system, int accounts = 30, Action<SimulatorOptions>? configure = null)
    {
        var o = new SimulatorOptions { Seed = 42, Accounts = accounts, EntitlementsPerType = 6, LinksPerAccount = 2 };
        configure?.Invoke(o);
        return SimulatorHost.StartAsync(system, o);
    }

    public static HttpClient Client(RunningSimulator sim) => new() { BaseAddress = sim.BaseUrl, Timeout = TimeSpan.FromSeconds(20) };

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
    public static StringContent Json(object o) => Json(Newtonsoft.Json.JsonConvert.SerializeObject(o));

    public static async Task<JToken> ReadJson(this HttpResponseMessage r)
    {
        var s = await r.Content.ReadAsStringAsync();
        return string.IsNullOrEmpty(s) ? JValue.CreateNull() : Parse(s);
    }

    /// <summary>Parses JSON keeping date-like strings as strings (as a connector engine sees them).</summary>
    public static JToken Parse(string json)
    {
        using var reader = new Newtonsoft.Json.JsonTextReader(new StringReader(json)) { DateParseHandling = Newtonsoft.Json.DateParseHandling.None };
        return JToken.ReadFrom(reader);
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    public static HttpRequestMessage Req(HttpMethod m, string url, HttpContent? content = null, string? auth = null)
    {
        var r = new HttpRequestMessage(m, url) { Content = content };
        if (auth is not null) r.Headers.TryAddWithoutValidation("Authorization", auth);
        return r;
    }

    /// <summary>Locates shared/packages/saviynt by walking up from the test binaries.</summary>
    public static string PackagesDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "packages", "saviynt");
            if (Directory.Exists(candidate)) return candidate;
            dir = dir.Parent;
        }
        throw new DirectoryNotFoundException("shared/packages/saviynt not found above " + AppContext.BaseDirectory);
    }
}
