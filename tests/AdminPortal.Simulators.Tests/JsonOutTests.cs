using AdminPortal.Simulators.Core;
using Microsoft.AspNetCore.Http;

namespace AdminPortal.Simulators.Tests;

public sealed class JsonOutTests
{
    [Fact]
    public async Task LongListing_ReachesTheBodyInChunksWhileItIsStillBeingWritten()
    {
        var body = new MemoryStream();
        var ctx = new DefaultHttpContext();
        ctx.Response.Body = body;
        var sentBeforeTheEnd = 0L;
        var writes = 0;
        await using (var o = JsonOut.Begin(ctx))
        {
            o.W.WriteStartArray();
            for (var i = 0; i < 20_000; i++)
            {
                o.W.WriteStringValue(new string('x', 50));
                var before = body.Length;
                await o.Tick();
                if (body.Length > before) writes++;
            }
            o.W.WriteEndArray();
            sentBeforeTheEnd = body.Length;
        }

        // ~1 MB of items: all but the last chunk (64 KB) was handed to the body before the listing ended (a writer that
        // only flushed at the end kept the whole response in the server's memory pool, 43 MB for a page of SCIM groups)
        Assert.True(body.Length > 1_000_000, $"{body.Length} bytes");
        Assert.True(sentBeforeTheEnd >= body.Length - 70_000, $"{sentBeforeTheEnd} of {body.Length} bytes sent before the end");
        Assert.InRange(writes, 10, 40);
    }
}
