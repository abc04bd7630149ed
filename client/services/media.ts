/** Camera access for the QR scanner. Prefers the rear camera on phones; any camera elsewhere. */
export async function openCamera(
  mediaDevices: MediaDevices | undefined = globalThis.navigator?.mediaDevices,
): Promise<MediaStream> {
  if (!mediaDevices?.getUserMedia) throw new Error('no-camera-api');
  return mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
}

export function stopStream(stream: MediaStream | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
