namespace AdminPortal.Core.Tests;

/// <summary>
/// The five real Saviynt packages live in ../shared/packages/saviynt beside every checkout (CI's too);
/// tests read them there instead of keeping copies in the repository.
/// </summary>
public static class SharedPackages
{
    public static string Directory { get; } = Find();

    public static string PathOf(string name) => System.IO.Path.Combine(Directory, name + ".zip");

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
