using System.Globalization;

namespace VoiceEdge.Infra.Settings;

/// <summary>An Azure region a relay may run in, with the coordinates Azure gives it.</summary>
public sealed record AzureRegion(string Name, string DisplayName, double Latitude, double Longitude)
{
    public string LatitudeText => Latitude.ToString("0.######", CultureInfo.InvariantCulture);
    public string LongitudeText => Longitude.ToString("0.######", CultureInfo.InvariantCulture);
}

/// <summary>
/// The Azure regions a relay of a fleet may name (<c>voice-edge:relays[].location</c>), each with the latitude and
/// longitude Azure Resource Manager's List Locations returns in <c>metadata.latitude</c> / <c>metadata.longitude</c>
/// (<c>az account list-locations</c>, GET /subscriptions/{id}/locations). Read from a recorded answer of that API:
/// tal66/cloud-regions <c>web/data/azureData.js</c> at commit 360cfdc7b9bf8b087d97dba90742627905683234 (one line per
/// region: name; regional display name; geography; physical location; longitude; latitude). Left out: the EUAP
/// canary regions, <c>eastusstg</c> and <c>brazilus</c> (not offered to customers) and Azure China (a separate cloud).
/// The Worker gets a relay's coordinates through <c>RELAYS</c>, so it needs no table of its own. A region Azure
/// opened since is refused until a line is added here, with the values <c>az account list-locations --query
/// "[?name=='&lt;region&gt;'].metadata.[latitude,longitude]"</c> prints.
/// </summary>
public static class AzureRegions
{
    public const string Source = "tal66/cloud-regions web/data/azureData.js@360cfdc7 (a recorded `az account list-locations`)";

    public static readonly IReadOnlyList<AzureRegion> All =
    [
        new("southafricanorth", "South Africa North", -25.73134, 28.21837),
        new("southafricawest", "South Africa West", -34.075691, 18.843266),
        new("australiacentral", "Australia Central", -35.37, 149.07),
        new("australiacentral2", "Australia Central 2", -35.3075, 149.1244),
        new("australiaeast", "Australia East", -33.86, 151.2094),
        new("australiasoutheast", "Australia Southeast", -37.8136, 144.9631),
        new("centralindia", "Central India", 18.5822, 73.9197),
        new("eastasia", "East Asia", 22.267, 114.188),
        new("japaneast", "Japan East", 35.68, 139.77),
        new("japanwest", "Japan West", 34.6939, 135.5022),
        new("jioindiacentral", "Jio India Central", 21.146633, 79.08886),
        new("jioindiawest", "Jio India West", 22.470701, 70.05773),
        new("koreacentral", "Korea Central", 37.5665, 126.978),
        new("koreasouth", "Korea South", 35.1796, 129.0756),
        new("southindia", "South India", 12.9822, 80.1636),
        new("southeastasia", "Southeast Asia", 1.283, 103.833),
        new("westindia", "West India", 19.088, 72.868),
        new("canadacentral", "Canada Central", 43.653, -79.383),
        new("canadaeast", "Canada East", 46.817, -71.217),
        new("francecentral", "France Central", 46.3772, 2.373),
        new("francesouth", "France South", 43.8345, 2.1972),
        new("germanynorth", "Germany North", 53.073635, 8.806422),
        new("germanywestcentral", "Germany West Central", 50.110924, 8.682127),
        new("italynorth", "Italy North", 45.46888, 9.18109),
        new("northeurope", "North Europe", 53.3478, -6.2597),
        new("norwayeast", "Norway East", 59.913868, 10.752245),
        new("norwaywest", "Norway West", 58.969975, 5.733107),
        new("polandcentral", "Poland Central", 52.23334, 21.01666),
        new("swedencentral", "Sweden Central", 60.67488, 17.14127),
        new("switzerlandnorth", "Switzerland North", 47.451542, 8.564572),
        new("switzerlandwest", "Switzerland West", 46.204391, 6.143158),
        new("uksouth", "UK South", 50.941, -0.799),
        new("ukwest", "UK West", 53.427, -3.084),
        new("westeurope", "West Europe", 52.3667, 4.9),
        new("israelcentral", "Israel Central", 32.070186, 34.71708),
        new("qatarcentral", "Qatar Central", 25.551462, 51.439327),
        new("uaecentral", "UAE Central", 24.466667, 54.366669),
        new("uaenorth", "UAE North", 25.266666, 55.316666),
        new("brazilsouth", "Brazil South", -23.55, -46.633),
        new("brazilsoutheast", "Brazil Southeast", -22.90278, -43.2075),
        new("centralus", "Central US", 41.5908, -93.6208),
        new("eastus", "East US", 37.3719, -79.8164),
        new("eastus2", "East US 2", 36.6681, -78.3889),
        new("northcentralus", "North Central US", 41.8819, -87.6278),
        new("southcentralus", "South Central US", 29.4167, -98.5),
        new("westcentralus", "West Central US", 40.89, -110.234),
        new("westus", "West US", 37.783, -122.417),
        new("westus2", "West US 2", 47.233, -119.852),
        new("westus3", "West US 3", 33.448376, -112.074036),
    ];

    public static AzureRegion? Find(string name) => All.FirstOrDefault(r => r.Name == name);
}
