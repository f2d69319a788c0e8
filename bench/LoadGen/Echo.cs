using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VoiceEdge.Bench.LoadGen;

/// <summary>
/// The upstream every target relays to: a WebSocket echo on raw sockets (frame by frame, same opcode and FIN, pings
/// answered, closes returned). Cheap on purpose, so the two cores go to the proxy under test.
/// </summary>
public static class Echo
{
    public static async Task RunAsync(int port)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(4096);
        Console.WriteLine("ready");
        while (true)
        {
            var socket = await listener.AcceptAsync();
            socket.NoDelay = true;
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private static async Task ServeAsync(Socket socket)
    {
        var input = new byte[64 * 1024];
        var output = new byte[64 * 1024 + 16];
        try
        {
            var (head, have) = await Handshake.ReadHeadAsync(socket, input, CancellationToken.None);
            var response = VoiceEdge.TestSupport.WebSocketHandshake.SwitchingProtocols(Handshake.Accept(Handshake.Header(head, "Sec-WebSocket-Key")));
            await socket.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None);
            while (true)
            {
                var pos = 0;
                var outLength = 0;
                var closing = false;
                while (Frame.TryRead(input.AsSpan(pos, have - pos), out var frame) && have - pos >= frame.Total)
                {
                    if (outLength + frame.PayloadLength + 10 > output.Length)
                    {
                        await socket.SendAsync(output.AsMemory(0, outLength), SocketFlags.None);
                        outLength = 0;
                    }
                    var payload = input.AsSpan(pos + frame.HeaderLength, frame.PayloadLength);
                    if (frame.Masked) Frame.Mask(payload, frame.MaskKey);
                    var opcode = frame.Opcode == 9 ? (byte)10 : frame.Opcode;
                    pos += frame.Total;
                    if (frame.Opcode == 10) continue;
                    output[outLength] = (byte)((frame.Fin ? 0x80 : 0) | opcode);
                    if (frame.PayloadLength < 126)
                    {
                        output[outLength + 1] = (byte)frame.PayloadLength;
                        outLength += 2;
                    }
                    else
                    {
                        output[outLength + 1] = 126;
                        BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(outLength + 2), (ushort)frame.PayloadLength);
                        outLength += 4;
                    }
                    payload.CopyTo(output.AsSpan(outLength));
                    outLength += frame.PayloadLength;
                    if (frame.Opcode == 8)
                    {
                        closing = true;
                        break;
                    }
                }
                if (outLength > 0) await socket.SendAsync(output.AsMemory(0, outLength), SocketFlags.None);
                if (closing) break;
                have -= pos;
                input.AsSpan(pos, have).CopyTo(input);
                var n = await socket.ReceiveAsync(input.AsMemory(have), SocketFlags.None);
                if (n == 0) break;
                have += n;
            }
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }
}
