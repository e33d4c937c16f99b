using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Security;
using AdminPortal.Web.Tests.Imports;
using AdminPortal.Web.Tests.Infrastructure;
using AdminPortal.Web.Tests.Users;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Tests.Security;

/// <summary>
/// Secrets scanner: known unique secret values go into every secret-bearing field (ConnectionJSON password,
/// client_secret, accessToken, refreshToken, apiKey; an API token; a user's password; the simulator's own
/// credentials and the access token it issues), then the portal imports, tests the connection, exports a
/// transport package, renders the connection page and logs at Debug. None of the values may appear in the
/// SQLite files (database, WAL), the captured log, the exported package's entries, the page's HTML or the
/// test-connection answer.
/// </summary>
public sealed class SecretLeakTests
{
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);
        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {structured} {exception}");
            }
        }
    }

    [Fact]
    public async Task KnownSecrets_NeverAppearInTheDatabaseFileLogsExportsPagesOrTestResults()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = new PortalFactory
        {
            Configure = b =>
            {
                // appsettings.json raises Microsoft.* to Warning; everything logs at Debug here.
                foreach (var category in new[] { "Default", "Microsoft", "Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore", "System.Net.Http" })
                    b.UseSetting($"Logging:LogLevel:{category}", "Debug");
                b.ConfigureLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
            },
        };
        var harness = new ImportHarness(factory);
        var unique = Guid.NewGuid().ToString("N")[..12];
        string Secret(string what) => $"LEAK{what}{unique}";

        // A user's password and an API token.
        var userPassword = Secret("UserPw") + "!a";
        await UserSeeding.AddUserAsync(factory, "leaky", userPassword, SavRoles.Reviewer);
        using (var reviewer = await SignedInClient.CreateAsync(factory, "leaky", userPassword)) { }
        var apiToken = (await factory.Services.GetRequiredService<ApiTokenService>().CreateAsync("admin", "leak probe", 1, "tests")).Token;
        using var api = factory.CreateNonRedirectingClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);

        // The simulator's credentials go into the real ConnectionJSON; a second profile carries the other secret fields.
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 21, Accounts = 12, EntitlementsPerType = 2 });
        var endpoint = await harness.SetUpAsync(sim, "-leak");
        var connections = factory.Services.GetRequiredService<ConnectionService>();
        var connectionName = PackageConnectionProfiles.For(sim).ConnectionName;
        var connection = (await connections.GetDecryptedAsync(connectionName))!;
        var json = JObject.Parse(connection.Attribute(ConnectionAttributeNames.ConnectionJson)!.Value!);
        // The probe is the real profile with other credentials: its token request is refused by the target (401).
        var probe = (JObject)json["authentications"]!["accAuth"]!.DeepClone();
        probe["properties"] = new JObject
        {
            ["userName"] = "probe-user",
            ["password"] = Secret("Password"),
            ["client_secret"] = Secret("ClientSecret"),
            ["apiKey"] = Secret("ApiKey"),
        };
        probe["accessToken"] = Secret("AccessToken");
        probe["refreshToken"] = Secret("RefreshToken");
        ((JObject)json["authentications"]!)["probe"] = probe;
        using (var put = await api.PutAsync($"/api/connections/{connectionName}", new StringContent(
                   new JObject { ["attributes"] = new JObject { [ConnectionAttributeNames.ConnectionJson] = json.ToString() } }.ToString(), Encoding.UTF8, "application/json")))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        // Import, test both profiles (the probe's Basic credentials are refused by the target), export, render.
        var run = await harness.RunAsync(endpoint);
        Assert.True(run.Status == JobRunStatus.Succeeded, run.Error);
        var tester = factory.Services.GetRequiredService<ConnectionTester>();
        var tests = new StringBuilder();
        foreach (var profile in new[] { "accAuth", "probe" })
        {
            tests.AppendLine(JsonConvert.SerializeObject(await tester.TestAsync(connectionName, profile, "tests")));
        }

        using var export = await api.PostAsync("/api/transport/export", new StringContent(
            new JObject { ["connections"] = new JArray(connectionName) }.ToString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var exported = new StringBuilder();
        using (var zip = new ZipArchive(new MemoryStream(await export.Content.ReadAsByteArrayAsync())))
        {
            foreach (var entry in zip.Entries)
            {
                using var reader = new StreamReader(entry.Open());
                exported.AppendLine(entry.FullName).AppendLine(await reader.ReadToEndAsync());
            }
        }

        using var admin = await SignedInClient.CreateAsync(factory, "admin", PortalFactory.AdminPassword);
        var html = await admin.GetStringAsync($"/admin/connections/{connectionName}");
        Assert.Contains(connectionName, html);
        using (var get = await api.GetAsync($"/api/connections/{connectionName}"))
        {
            html += await get.Content.ReadAsStringAsync();
        }

        // The access token the target issued during the import, as the engine stored it (encrypted) for the next run.
        var stored = JObject.Parse((await connections.GetDecryptedAsync(connectionName))!.Attribute(ConnectionAttributeNames.ConnectionJson)!.Value!);
        var issuedToken = (string?)stored.SelectToken("authentications.accAuth.accessToken");
        var secrets = new Dictionary<string, string>
        {
            ["user password"] = userPassword,
            ["administrator password"] = PortalFactory.AdminPassword,
            ["API token"] = apiToken,
            ["API token body"] = apiToken[(apiToken.IndexOf('_', StringComparison.Ordinal) + 1)..],
            ["probe password"] = Secret("Password"),
            ["probe client_secret"] = Secret("ClientSecret"),
            ["probe apiKey"] = Secret("ApiKey"),
            ["probe accessToken"] = Secret("AccessToken"),
            ["probe refreshToken"] = Secret("RefreshToken"),
            ["probe Basic header"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"probe-user:{Secret("Password")}")),
            ["simulator client_secret"] = sim.Credentials["client_secret"],
            ["simulator Basic header"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sim.Credentials["client_id"]}:{sim.Credentials["client_secret"]}")),
        };
        if (!string.IsNullOrEmpty(issuedToken)) secrets["issued access token"] = issuedToken;
        // Positive controls: the secrets were stored (decryptable) and really went over the wire.
        Assert.Contains(Secret("RefreshToken"), stored.ToString());
        Assert.True(sim.Requests.Any(r => r.Header("Authorization") == "Basic " + secrets["probe Basic header"]), tests.ToString());
        Assert.Contains(sim.Requests, r => r.Header("Authorization") == "Basic " + secrets["simulator Basic header"]);

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var places = new Dictionary<string, byte[]>
        {
            ["captured log"] = Encoding.UTF8.GetBytes(string.Join('\n', logs.Lines)),
            ["exported package"] = Encoding.UTF8.GetBytes(exported.ToString()),
            ["connection page HTML and API answer"] = Encoding.UTF8.GetBytes(html),
            ["test-connection results"] = Encoding.UTF8.GetBytes(tests.ToString()),
        };
        foreach (var file in Directory.EnumerateFiles(factory.DataDirectory, "*", SearchOption.TopDirectoryOnly))
        {
            places[Path.GetFileName(file)] = await ReadSharedAsync(file);
        }

        Assert.Contains(places.Keys, k => k.EndsWith(".db", StringComparison.Ordinal));
        Assert.True(logs.Lines.Count > 50, $"only {logs.Lines.Count} log lines were captured");
        Assert.Contains(logs.Lines, l => l.StartsWith("Debug", StringComparison.Ordinal));
        var hits = new List<string>();
        foreach (var (place, bytes) in places)
        {
            foreach (var (name, value) in secrets)
            {
                foreach (var encoding in new[] { Encoding.UTF8, Encoding.Unicode })
                {
                    if (bytes.AsSpan().IndexOf(encoding.GetBytes(value)) >= 0) hits.Add($"{name} found in {place} ({encoding.EncodingName})");
                }
            }
        }

        Assert.True(hits.Count == 0, string.Join('\n', hits.Distinct()));
    }

    /// <summary>Provisioning: a request approved and provisioned instantly through the Confluent package (Basic credentials), and a
    /// task whose payload carries a password (what a change-password task stores) run through WSRETRY.</summary>
    [Fact]
    public async Task Provisioning_ConnectionSecrets_NeverAppearInTheDatabaseFiles()
    {
        await using var h = await Provisioning.ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: true);
        await h.AddUserAsync("leak-svc", "boss", "leak-svc@example.test", ("CustomProperty4", "Leak probe"));
        var requests = h.Service<AdminPortal.Web.Features.Provisioning.AccessRequestService>();
        var view = await requests.CreateAsync(new AdminPortal.Web.Features.Provisioning.NewAccessRequest(h.Endpoint, null, true, [], "leak probe", null), new AdminPortal.Web.Features.Provisioning.Actor("leak-svc", false));
        await requests.DecideAsync(view.Id, true, "ok", new AdminPortal.Web.Features.Provisioning.Actor("boss", false));
        var tasks = await h.WaitForTasksAsync(view.Id, Provisioning.ProvisioningHarness.IsFinal);
        Assert.All(tasks, t => Assert.True(t.Status == ProvisioningTaskStatus.Completed, t.LastError));

        var payloadPassword = "LEAKPayloadPw" + Guid.NewGuid().ToString("N")[..12];
        await h.AddUserAsync("leak-svc2", "boss", "leak-svc2@example.test", ("CustomProperty4", "Leak probe 2"));
        var taskService = h.Service<AdminPortal.Web.Features.Provisioning.ProvisioningTaskService>();
        long payloadTaskId;
        await using (var db = h.Db())
        {
            var endpointId = db.Endpoints.Single(e => e.Name == h.Endpoint).Id;
            var userId = db.Users.Single(u => u.Username == "leak-svc2").Id;
            var added = taskService.Add(db, [new AdminPortal.Web.Features.Provisioning.NewTask(ProvisioningTaskType.CreateAccount, endpointId, null, userId, null, null,
                JsonConvert.SerializeObject(new { password = payloadPassword }))]).Single();
            await db.SaveChangesAsync();
            payloadTaskId = added.Id;
        }

        Assert.True(await taskService.RunTaskAsync(payloadTaskId, CancellationToken.None));
        await using (var db = h.Db())
        {
            // positive control: the payload is stored (encrypted) and the engine's request gets the password
            var stored = db.ProvisioningTasks.Single(t => t.Id == payloadTaskId);
            var built = await h.Service<AdminPortal.Web.Features.Provisioning.ProvisioningRequestBuilder>().BuildAsync(db, stored, null, CancellationToken.None);
            Assert.Equal(payloadPassword, built.Password);
        }

        var tasksApi = await h.ApiClient("admin").GetStringAsync($"/api/tasks?endpoint={h.Endpoint}");
        Assert.Contains($"\"id\":{payloadTaskId}", tasksApi.Replace(" ", "", StringComparison.Ordinal));

        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{h.Sim.Credentials["api_key"]}:{h.Sim.Credentials["api_secret"]}"));
        Assert.Contains(h.Sim.Requests, r => r.Method == "POST" && r.Header("Authorization") == "Basic " + basic);
        var secrets = new Dictionary<string, string> { ["api_secret"] = h.Sim.Credentials["api_secret"], ["Basic header"] = basic, ["task payload password"] = payloadPassword };
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var places = new Dictionary<string, byte[]> { ["tasks API answer"] = Encoding.UTF8.GetBytes(tasksApi) };
        foreach (var file in Directory.EnumerateFiles(h.DataDirectory, "*", SearchOption.TopDirectoryOnly)) places[Path.GetFileName(file)] = await ReadSharedAsync(file);
        var hits = new List<string>();
        foreach (var (place, bytes) in places)
        {
            foreach (var (name, value) in secrets)
            {
                if (bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(value)) >= 0) hits.Add($"{name} found in {place}");
            }
        }

        Assert.True(hits.Count == 0, string.Join('\n', hits));
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
