namespace AdminPortal.Web.Infrastructure;

/// <summary>
/// The portal runs with the repository's root appsettings.json and serves wwwroot-assets/ (issue [1/7]
/// layout). From a checkout that root is found by walking up to AdminPortal.sln; from a publish
/// folder both are copied next to the binaries, so the base directory is the root.
/// </summary>
public static class RepositoryLayout
{
    public static string FindRoot(params string[] startDirectories)
    {
        foreach (var start in startDirectories)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AdminPortal.sln")) &&
                    File.Exists(Path.Combine(dir.FullName, "appsettings.json")))
                {
                    return dir.FullName;
                }
            }
        }

        return AppContext.BaseDirectory;
    }
}
