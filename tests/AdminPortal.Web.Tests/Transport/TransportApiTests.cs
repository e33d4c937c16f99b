using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AdminPortal.Core.Domain;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Features.Transport;
using AdminPortal.Web.Security;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Tests.Transport;

public class TransportApiTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    public static TheoryData<string> RealPackages => new() { "SAP_Business_Technology_Platform", "Confluent", "INCONTACT", "Signal_Sciences", "Bynder" };

    private static string PackagePath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "packages", "saviynt", name + ".zip");
            if (File.Exists(candidate)) return candidate;
        }

        throw new FileNotFoundException($"{name}.zip not found in ../shared/packages/saviynt");
    }

    private async Task<HttpClient> ApiClientAsync()
    {
        var token = await factory.Services.GetRequiredService<ApiTokenService>().CreateAsync("admin", "tests", 1, "tests");
        var client = factory.CreateNonRedirectingClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return client;
    }

    private static MultipartFormDataContent Package(byte[] zip, string fileName, string? decisions = null)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(zip), "package", fileName } };
        if (decisions is not null) form.Add(new StringContent(decisions), "decisions");
        return form;
    }

    private Task<string> DumpAsync() => factory.DumpAsync();

    [Theory]
    [MemberData(nameof(RealPackages))]
    public async Task Import_RealPackage_CreatesConnectionFlaggedForConnectionJsonEntry(string name)
    {
        var client = await ApiClientAsync();
        var zip = await File.ReadAllBytesAsync(PackagePath(name));

        var preview = JObject.Parse(await (await client.PostAsync("/api/transport/import?preview=true", Package(zip, name + ".zip"))).Content.ReadAsStringAsync());
        Assert.Equal("preview", (string?)preview["status"]);
        var connection = Assert.Single(preview["objects"]!, o => (string?)o["kind"] == "connection");

        var response = await client.PostAsync("/api/transport/import", Package(zip, name + ".zip"));
        var body = JObject.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        Assert.Equal("succeeded", (string?)body["status"]);

        await using var db = factory.CreateDbContext();
        var stored = await db.Connections.Include(c => c.Attributes).SingleAsync(c => c.Name == (string)connection["name"]!);
        Assert.True(stored.ConnectionJsonNeedsEntry);
        Assert.False(string.IsNullOrEmpty(stored.Attribute(ConnectionAttributeNames.ImportAccountEntJson)!.Value));
        Assert.Equal(ConnectionAttributeNames.All.Count - 1, stored.Attributes.Count);
    }

    [Fact]
    public async Task Import_BadInput_RejectedWithSpecificMessageAndNothingWritten()
    {
        var client = await ApiClientAsync();
        var before = await DumpAsync();

        var notZip = await client.PostAsync("/api/transport/import", Package(Encoding.UTF8.GetBytes("hello"), "notes.txt"));
        var notZipBody = JObject.Parse(await notZip.Content.ReadAsStringAsync());
        Assert.Equal("failed", (string?)notZipBody["status"]);
        Assert.Contains("notes.txt", notZipBody["errors"]!.ToString());

        using var slip = new MemoryStream();
        using (var archive = new ZipArchive(slip, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = archive.CreateEntry("../../ObjectSummary_2024-01-02_03-04-05(UTC).json");
            await using var w = new StreamWriter(entry.Open());
            await w.WriteAsync("{\"Objects\":{}}");
        }

        var slipResponse = await client.PostAsync("/api/transport/import", Package(slip.ToArray(), "slip.zip"));
        Assert.Contains("..", (await slipResponse.Content.ReadAsStringAsync()));
        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task Export_ThenImport_RoundTripIsLosslessAndContainsNoSecret()
    {
        const string secret = "s3cr3t-Client-Value-4711";
        var client = await ApiClientAsync();
        await client.PostAsync("/api/transport/import", Package(await File.ReadAllBytesAsync(PackagePath("Bynder")), "Bynder.zip"));
        var connections = factory.Services.GetRequiredService<ConnectionService>();
        var saved = await connections.SaveAttributeAsync("bynder", ConnectionAttributeNames.ConnectionJson,
            $"{{\"authentications\":{{\"bynder\":{{\"authType\":\"oauth2\",\"url\":\"https://x.example/token\",\"httpParams\":{{\"client_secret\":\"{secret}\"}},\"accessToken\":\"{secret}\"}}}}}}", "tests");
        Assert.True(saved.Saved, saved.Error);

        var export = await client.PostAsync("/api/transport/export", new StringContent("{\"connections\":[\"bynder\"]}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var zip = await export.Content.ReadAsByteArrayAsync();
        Assert.DoesNotContain(secret, Encoding.UTF8.GetString(zip));
        using (var archive = new ZipArchive(new MemoryStream(zip)))
        {
            foreach (var entry in archive.Entries)
            {
                using var reader = new StreamReader(entry.Open());
                var text = await reader.ReadToEndAsync();
                Assert.DoesNotContain(secret, text);
                if (entry.Name.StartsWith("Connection_", StringComparison.Ordinal)) Assert.Contains("@@CLIENT_SECRET@@", text);
            }
        }

        var transport = factory.Services.GetRequiredService<TransportService>();
        var preview = await transport.PreviewAsync(zip, "roundtrip.zip");
        var connection = Assert.Single(preview.Objects);
        // Only ConnectionJSON differs (its secrets became placeholders); every other attribute is identical.
        Assert.All(connection.Attributes, a => Assert.Equal(ConnectionAttributeNames.ConnectionJson, a.Attribute));
    }

    [Fact]
    public async Task Reimport_ChangedPackage_ShowsDiffAndRestoreBringsOldVersionBack()
    {
        var transport = factory.Services.GetRequiredService<TransportService>();
        var connections = factory.Services.GetRequiredService<ConnectionService>();
        var original = await File.ReadAllBytesAsync(PackagePath("Confluent"));
        Assert.Equal("succeeded", (await transport.ImportAsync(original, "Confluent.zip", null, "tests", "ui")).Status);
        var before = (await connections.GetDecryptedAsync("Confluent"))!.Attribute(ConnectionAttributeNames.CreateAccountJson)!.Value;

        var changed = await transport.ExportAsync(["Confluent"], [], [], "tests");
        var package = AdminPortal.Core.Transport.TransportPackageReader.Read(new MemoryStream(changed.Zip), "x.zip");
        var conn = package.Connections[0];
        var edited = conn with { Attributes = conn.Attributes.Select(a => a.Name == ConnectionAttributeNames.CreateAccountJson ? a.WithValue(a.Value!.Replace("\"POST\"", "\"PUT\"")) : a).ToList() };
        using var output = new MemoryStream();
        AdminPortal.Core.Transport.TransportPackageWriter.Write(package with { Connections = [edited] }, output);

        var preview = await transport.PreviewAsync(output.ToArray(), "changed.zip");
        var item = Assert.Single(preview.Objects);
        Assert.Equal("changed", item.State);
        var diff = Assert.Single(item.Attributes, a => a.Attribute == ConnectionAttributeNames.CreateAccountJson);
        Assert.Contains("PUT", diff.Incoming);
        Assert.Contains("POST", diff.Current);

        var outcome = await transport.ImportAsync(output.ToArray(), "changed.zip", null, "tests", "ui");
        Assert.Equal("succeeded", outcome.Status);
        Assert.Contains("PUT", (await connections.GetDecryptedAsync("Confluent"))!.Attribute(ConnectionAttributeNames.CreateAccountJson)!.Value);

        var history = await transport.HistoryAsync();
        var previous = history.First(h => h.Id == outcome.ImportId).PreviousVersions.Single();
        Assert.Null(await transport.RestoreAsync(previous.Id, "tests"));
        Assert.Equal(before, (await connections.GetDecryptedAsync("Confluent"))!.Attribute(ConnectionAttributeNames.CreateAccountJson)!.Value);
    }

    [Fact]
    public async Task Preview_BrokenTemplateInAnAttribute_WarnsNamingConnectionAttributeAndLine_ImportStillTakesThePackage()
    {
        // The real Bynder package with one `${` left unclosed in CreateAccountJSON, written back as a package.
        var package = AdminPortal.Core.Transport.TransportPackageReader.Read(File.OpenRead(PackagePath("Bynder")), "Bynder.zip");
        var conn = package.Connections[0];
        var attribute = conn.Attributes.First(a => a.Value is not null && a.Value.Contains("${user.", StringComparison.Ordinal));
        var index = attribute.Value!.IndexOf("${user.", StringComparison.Ordinal);
        var closing = attribute.Value.IndexOf('}', index);
        var broken = attribute.Value.Remove(closing, 1);
        var edited = conn with { Name = "Bynder-broken-template", Attributes = conn.Attributes.Select(a => a.Name == attribute.Name ? a.WithValue(broken) : a).ToList() };
        using var output = new MemoryStream();
        AdminPortal.Core.Transport.TransportPackageWriter.Write(package with { Connections = [edited], SecuritySystems = [], Endpoints = [] }, output);
        var client = await ApiClientAsync();

        var preview = JObject.Parse(await (await client.PostAsync("/api/transport/import?preview=true", Package(output.ToArray(), "broken.zip"))).Content.ReadAsStringAsync());
        Assert.Equal("preview", (string?)preview["status"]);
        var warning = (string)Assert.Single(preview["warnings"]!)!;
        Assert.Contains("connection 'Bynder-broken-template'", warning);
        Assert.Contains(attribute.Name + ":", warning);
        Assert.Matches(@"\(line \d+, position \d+\)", warning);

        var response = await client.PostAsync("/api/transport/import", Package(output.ToArray(), "broken.zip"));
        var body = JObject.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(warning, (string)Assert.Single(body["warnings"]!)!);
        var stored = await factory.Services.GetRequiredService<ConnectionService>().GetDecryptedAsync("Bynder-broken-template");
        Assert.Equal(broken, stored!.Attribute(attribute.Name)!.Value);
    }

    [Theory]
    [MemberData(nameof(RealPackages))]
    public async Task Preview_RealPackage_HasNoTemplateWarnings(string name)
    {
        var preview = await factory.Services.GetRequiredService<TransportService>().PreviewAsync(await File.ReadAllBytesAsync(PackagePath(name)), name + ".zip");
        Assert.True(preview.IsValid);
        Assert.Empty(preview.Warnings);
    }

    [Fact]
    public async Task Api_WithCookieInsteadOfToken_IsUnauthorized()
    {
        var client = await SignedInClient.CreateAsync(factory, "admin", PortalFactory.AdminPassword);
        var response = await client.GetAsync("/api/transport/history");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
