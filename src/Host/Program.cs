using Allmende.Bookings;
using Allmende.Eventing;
using Allmende.Eventing.Provisioning;
using Allmende.Funding;
using Allmende.Host;
using Allmende.Host.Admin;
using Allmende.Host.Audit;
using Allmende.Host.Mail;
using Allmende.Host.Access;
using Allmende.Host.Web;
using Allmende.Membership;
using Allmende.Spaces;

var builder = WebApplication.CreateBuilder(args);

string connectionString;
try
{
    connectionString = await Database.ResolveConnectionStringAsync(builder);
}
catch (PostgresUnavailableException e)
{
    // What to do, in a few lines, instead of a stack trace.
    await Console.Error.WriteLineAsync(e.Message);
    return 1;
}
// Where the demo may seed, the host's clock is one the seeding can set back for the kiosk pilot's past weeks (DemoData).
if (Allmende.Host.DemoData.DemoDataOnStart.Wanted(builder.Configuration, builder.Environment))
    builder.Services.AddSingleton<TimeProvider>(sp => new Allmende.Host.DemoData.SeedingClock(sp.GetRequiredService<Npgsql.NpgsqlDataSource>()));
builder.Services.AddEventing(connectionString, o => builder.Configuration.GetSection("Eventing").Bind(o));
builder.Services
    .AddSpaces()
    .AddMembership()
    .AddBookings()
    .AddFunding();
builder.Services.AddAccess(builder.Configuration, builder.Environment);
builder.Services.AddWebApp();
builder.Services.AddMail(builder.Configuration, builder.Environment);
builder.Services.AddAllmendeHealthChecks();
builder.Services.AddProblemDetails();
builder.Services.AddSingleton<IProblemDetailsWriter, AnyAcceptProblemWriter>();
builder.Services.AddExceptionHandler<ProblemMapping>();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
    o.SerializerOptions.Converters.Add(new ExplicitOffsetConverter());
    // {"name":"a","name":"b"} means nothing clear: refused with 400 rather than the last one winning.
    o.SerializerOptions.AllowDuplicateProperties = false;
});
// Unreadable bodies and parameters reach ProblemMapping (in every environment), which names the field.
builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddAllmendeOpenApi();
builder.Services.AddHostedService<Allmende.Host.DemoData.DemoDataOnStart>();

var app = builder.Build();
if (Cli.IsVerb(args))
{
    // A private Development cluster started for the verb stops when the verb is done.
    await using var local = app.Services.GetService<PrivatePostgres>();
    return await Cli.RunAsync(app.Services, args);
}
app.Services.GetRequiredService<BootstrapAdminKey>(); // made (and in Development printed) before the first request

app.UsePageTiming(); // off unless Web:ServerTiming (the page benchmark)
app.CaptureApiPipeline(); // first: the web app's pages call the API through the rest of this pipeline
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseWebAppLanguage(); // pages in German or English; the API stays invariant
// Control characters in a query value or the path answer 400 before anything reads them.
app.Use((context, next) =>
{
    Allmende.Eventing.Api.InputRules.CheckQueryAndPath(context.Request);
    return next(context);
});
// The browsable API page is static: served before authentication, the API it calls is not. The
// document's security schemes give it an Authorize button (API key or bearer), kept across reloads.
app.UseSwaggerUI(o =>
{
    o.SwaggerEndpoint("/openapi/v1.json", "Allmende API v1");
    o.RoutePrefix = "api-docs";
    o.EnablePersistAuthorization();
});
app.UseRouting(); // here, after the capture above, so that in-process API calls are routed too
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter(); // after routing: the policies are chosen per endpoint (the public membership application)
app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapAllmendeHealthChecks();
// Every body of every module meets the same text and date rules before its endpoint runs.
var api = app.MapGroup("");
api.AddEndpointFilterFactory(Allmende.Eventing.Api.InputRules.BodyFilter);
api.MapAccess();
api.MapAdmin();
api.MapAudit();
api.MapSpaces();
api.MapMembership();
api.MapBookings();
api.MapFunding();
app.MapWebApp();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
