namespace AdminPortal.Core.Tests;

/// <summary>
/// The five real Saviynt packages live in ../shared/packages/saviynt beside every checkout (CI's too);
/// tests read them there instead of keeping copies in the repository.
/// </summary>
public static class SharedPackages
{
    public static string Directory { get; } = Find();

    public static string PathOf(string name) => System.IO.Path.Combine(Directory, name + ".zip");

    /// <summary>The five packages by file name (without .zip), for theories over every real package.</summary>
    public static TheoryData<string> Names => new() { "SAP_Business_Technology_Platform", "Confluent", "INCONTACT", "Signal_Sciences", "Bynder" };

    /// <summary>Every non-empty attribute of every connection of a package that the package itself holds in clear text.</summary>
    public static IEnumerable<(string Name, string Value)> ClearAttributes(string name)
    {
        using var zip = File.OpenRead(PathOf(name));
        var package = AdminPortal.Core.Transport.TransportPackageReader.Read(zip, name + ".zip");
        return package.Connections.SelectMany(c => c.Attributes)
            .Where(a => !string.IsNullOrWhiteSpace(a.Value) && !a.EncryptedElsewhere)
            .Select(a => (a.Name, a.Value!))
            .ToList();
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "packages", "saviynt");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }

        throw new InvalidOperationException("shared/packages/saviynt not found beside the checkout (expected ../shared next to the repository).");
    }
}
