public import Hummingbird

/// Responses whose body is JSON bytes already serialised (by the store's writer).
public enum JSONResponse {
    public static func make(status: HTTPResponse.Status = .ok, bytes: [UInt8]) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
