// The RTMPClient module: publish and play clients on the RTMP core and the Network layer.
