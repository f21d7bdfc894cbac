// SightlineUDP: the live-socket edge. Placeholder until the receiver lands ([B] §5).
