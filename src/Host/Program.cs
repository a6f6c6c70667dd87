using Allmende.Bookings;
using Allmende.Eventing;
using Allmende.Eventing.Provisioning;
using Allmende.Funding;
using Allmende.Host;
using Allmende.Host.Admin;
using Allmende.Host.Audit;
using Allmende.Host.Access;
using Allmende.Host.Web;
using Allmende.Membership;
using Allmende.Spaces;

var builder = WebApplication.CreateBuilder(args);

var connectionString = await Database.ResolveConnectionStringAsync(builder);
builder.Services.AddEventing(connectionString, o => builder.Configuration.GetSection("Eventing").Bind(o));
builder.Services
    .AddSpaces()
    .AddMembership()
    .AddBookings()
    .AddFunding();
builder.Services.AddAccess(builder.Configuration, builder.Environment);
builder.Services.AddWebApp();
builder.Services.AddAllmendeHealthChecks();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemMapping>();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
    o.SerializerOptions.Converters.Add(new ExplicitOffsetConverter());
});
// Unreadable bodies and parameters reach ProblemMapping (in every environment), which names the field.
builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddOpenApi();
builder.Services.AddHostedService<Allmende.Host.DemoData.DemoDataOnStart>();

var app = builder.Build();
if (Cli.IsVerb(args))
{
    // A private Development cluster started for the verb stops when the verb is done.
    await using var local = app.Services.GetService<LocalPostgres>();
    return await Cli.RunAsync(app.Services, args);
}
app.Services.GetRequiredService<BootstrapAdminKey>(); // made (and in Development printed) before the first request

app.CaptureApiPipeline(); // first: the web app's pages call the API through the rest of this pipeline
app.UseExceptionHandler();
app.UseStatusCodePages();
// The browsable API page is static: served before authentication, the API it calls is not.
app.UseSwaggerUI(o =>
{
    o.SwaggerEndpoint("/openapi/v1.json", "Allmende API v1");
    o.RoutePrefix = "api-docs";
});
app.UseRouting(); // here, after the capture above, so that in-process API calls are routed too
app.UseAuthentication();
app.UseAuthorization();
app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapAccess();
app.MapAdmin();
app.MapAudit();
app.MapAllmendeHealthChecks();
app.MapSpaces();
app.MapMembership();
app.MapBookings();
app.MapFunding();
app.MapWebApp();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
