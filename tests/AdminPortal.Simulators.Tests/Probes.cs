using System.Net.Http.Headers;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Tests;

/// <summary>An authenticated list request per system, and the key its error bodies carry.</summary>
internal static class Probes
{
    public static string ListPath(RunningSimulator sim) => sim.System switch
    {
        SimulatedSystem.SapBtp => "/Users",
        SimulatedSystem.Confluent => "/iam/v2/users",
        SimulatedSystem.InContact => "/inContactAPI/services/v34.0/agents",
        SimulatedSystem.SignalSciences => $"/api/v0/corps/{sim.Credentials["corp"]}/users",
        SimulatedSystem.Bynder => "/api/v4/users",
        _ => throw new ArgumentOutOfRangeException(nameof(sim)),
    };

    public static string ErrorKey(SimulatedSystem s) => s switch
    {
        SimulatedSystem.Confluent => "errors",
        SimulatedSystem.SignalSciences or SimulatedSystem.Bynder => "message",
        _ => "error",
    };

    /// <summary>Authorization header value (obtaining a token where the system issues them).</summary>
    public static async Task<string?> AuthValue(RunningSimulator sim, HttpClient http)
    {
        var c = sim.Credentials;
        switch (sim.System)
        {
            case SimulatedSystem.SapBtp:
            {
                var req = new HttpRequestMessage(HttpMethod.Post, "/oauth/token") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }) };
                req.Headers.Authorization = TestSupport.Basic(c["client_id"], c["client_secret"]);
                return "Bearer " + (string)(await (await http.SendAsync(req)).ReadJson())["access_token"]!;
            }
            case SimulatedSystem.InContact:
            {
                var req = new HttpRequestMessage(HttpMethod.Post, "/auth/token")
                {
                    Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = c["access_key_id"], ["password"] = c["access_key_secret"] }),
                };
                req.Headers.Authorization = TestSupport.Basic(c["client_id"], c["client_secret"]);
                return "Bearer " + (string)(await (await http.SendAsync(req)).ReadJson())["access_token"]!;
            }
            case SimulatedSystem.SignalSciences:
            {
                var resp = await http.PostAsync("/api/v0/auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = c["email"], ["password"] = c["password"] }));
                return "Bearer " + (string)(await resp.ReadJson())["token"]!;
            }
            default:
                return c["Authorization"];
        }
    }

    public static async Task<HttpRequestMessage> List(RunningSimulator sim, HttpClient http)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, ListPath(sim));
        req.Headers.TryAddWithoutValidation("Authorization", await AuthValue(sim, http));
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return req;
    }

    public static bool HasErrorShape(SimulatedSystem s, string body)
    {
        try { return JToken.Parse(body) is JObject o && o.ContainsKey(ErrorKey(s)); }
        catch (Newtonsoft.Json.JsonException) { return false; }
    }
}
