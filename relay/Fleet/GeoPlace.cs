namespace VoiceEdge.Relay.Fleet;

/// <summary>A point on the globe, in degrees.</summary>
public readonly record struct GeoPlace(double Latitude, double Longitude)
{
    /// <summary>Great-circle distance in km (haversine, mean Earth radius 6,371 km), as the Worker's chooser computes it.</summary>
    public double DistanceKm(GeoPlace other)
    {
        const double rad = Math.PI / 180;
        var dLat = (other.Latitude - Latitude) * rad;
        var dLon = (other.Longitude - Longitude) * rad;
        var h = Math.Pow(Math.Sin(dLat / 2), 2) + Math.Cos(Latitude * rad) * Math.Cos(other.Latitude * rad) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * 6371 * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}
