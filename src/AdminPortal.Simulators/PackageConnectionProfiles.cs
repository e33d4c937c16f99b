using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators;

/// <summary>
/// What an administrator enters after importing one of the five real Saviynt packages, so that it runs
/// unchanged against a simulator: the ConnectionJSON (the package's own is another tenant's ciphertext),
/// the base URL for relative call URLs, prefix rewrites for hard-coded vendor hosts, and the package's
/// placeholder values. docs/simulators.md shows the same per system.
/// </summary>
public sealed record PackageConnectionProfile(
    string PackageFile,
    string ConnectionName,
    string ConnectionJson,
    string? BaseUrl,
    IReadOnlyList<KeyValuePair<string, string>> UrlRewrites,
    IReadOnlyDictionary<string, string> Placeholders);

public static class PackageConnectionProfiles
{
    public static PackageConnectionProfile For(RunningSimulator sim)
    {
        var c = sim.Credentials;
        var root = sim.BaseUrl.ToString().TrimEnd('/');
        var hostPort = sim.BaseUrl.Authority;
        return sim.System switch
        {
            SimulatedSystem.SapBtp => new("SAP_Business_Technology_Platform.zip", "SAP_Business_Technology_Platform",
                Profiles("accAuth", new JObject
                {
                    ["authType"] = "BasicWithAccessToken",
                    ["url"] = root + "/oauth/token",
                    ["httpMethod"] = "POST",
                    ["httpParams"] = new JObject { ["grant_type"] = "client_credentials" },
                    ["httpHeaders"] = new JObject(),
                    ["httpContentType"] = "application/x-www-form-urlencoded",
                    ["properties"] = new JObject { ["userName"] = c["client_id"], ["password"] = c["client_secret"] },
                    ["retryFailureStatusCode"] = new JArray(401),
                    ["maxRefreshTryCount"] = 3,
                    ["tokenResponsePath"] = "access_token",
                    ["tokenType"] = "Bearer",
                    ["accessToken"] = "",
                }),
                null,
                // The package calls https://@HOST_URL@/…; the simulator speaks plain HTTP on loopback.
                [new("https://" + hostPort, root)],
                new Dictionary<string, string> { ["@HOST_URL@"] = hostPort }),

            SimulatedSystem.Confluent => new("Confluent.zip", "Confluent",
                Profiles("acctAuth", new JObject
                {
                    ["authType"] = "Basic",
                    ["properties"] = new JObject { ["userName"] = c["api_key"], ["password"] = c["api_secret"] },
                    ["retryFailureStatusCode"] = new JArray(401),
                    ["maxRefreshTryCount"] = 1,
                }),
                null,
                [new("https://api.confluent.cloud", root)],
                new Dictionary<string, string>()),

            SimulatedSystem.InContact => new("INCONTACT.zip", "Incontact",
                Profiles("acctAuth", new JObject
                {
                    ["authType"] = "oauth2",
                    ["url"] = root + "/auth/token",
                    ["httpMethod"] = "POST",
                    ["httpParams"] = new JObject { ["grant_type"] = "password", ["username"] = c["access_key_id"], ["password"] = c["access_key_secret"] },
                    ["httpHeaders"] = new JObject { ["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(c["client_id"] + ":" + c["client_secret"])) },
                    ["httpContentType"] = "application/x-www-form-urlencoded",
                    ["retryFailureStatusCode"] = new JArray(401),
                    ["maxRefreshTryCount"] = 2,
                    ["tokenResponsePath"] = "access_token",
                    ["tokenType"] = "Bearer",
                    ["accessToken"] = "",
                }),
                sim.ApiBaseUrl.ToString().TrimEnd('/'),
                [],
                new Dictionary<string, string>()),

            SimulatedSystem.SignalSciences => new("Signal_Sciences.zip", "Signal_Sciences",
                Profiles("acctAuth", new JObject
                {
                    ["authType"] = "oauth2",
                    ["url"] = root + "/api/v0/auth",
                    ["httpMethod"] = "POST",
                    ["httpParams"] = new JObject { ["email"] = c["email"], ["password"] = c["password"] },
                    ["httpHeaders"] = new JObject(),
                    ["httpContentType"] = "application/x-www-form-urlencoded",
                    ["retryFailureStatusCode"] = new JArray(401),
                    ["maxRefreshTryCount"] = 2,
                    ["tokenResponsePath"] = "token",
                    ["tokenType"] = "Bearer",
                    ["accessToken"] = "",
                }),
                null,
                [new("https://dashboard.signalsciences.net", root)],
                new Dictionary<string, string> { ["@CORPNAME@"] = c["corp"] }),

            SimulatedSystem.Bynder => new("Bynder.zip", "bynder",
                // Bynder's permanent token: a static bearer, no token call.
                Profiles("acctAuth", new JObject
                {
                    ["authType"] = "oauth2",
                    ["accessToken"] = c["Authorization"],
                    ["retryFailureStatusCode"] = new JArray(),
                    ["maxRefreshTryCount"] = 0,
                }),
                root,
                [],
                new Dictionary<string, string>()),

            _ => throw new ArgumentOutOfRangeException(nameof(sim)),
        };
    }

    /// <summary>The URL-rewrite list in the portal's stored shape: [{"from": …, "to": …}].</summary>
    public static string RewritesJson(PackageConnectionProfile profile) =>
        JsonConvert.SerializeObject(profile.UrlRewrites.Select(r => new { from = r.Key, to = r.Value }));

    private static string Profiles(string name, JObject profile) =>
        new JObject { ["authentications"] = new JObject { [name] = profile } }.ToString(Formatting.Indented);
}
